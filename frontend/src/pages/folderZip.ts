// A dropped or chosen folder of frames becomes one store-only zip, built in the browser
// (the upload endpoint takes a .zip of JPEG/PNG frames as one image sequence).
//
// Only the CRC of each image is computed here, one file at a time; the zip itself is a Blob
// of headers and the original File objects, so the frames are read again only while
// uploading and memory stays small whatever the folder's size.

export interface ZipSource {
  path: string; // relative path inside the zip, "/"-separated
  file: Blob;
}

const FRAME_EXT = /\.(jpe?g|png)$/i;
const MAX_ENTRIES = 0xffff; // no Zip64: the classic end record's limits
const MAX_OFFSET = 0xffffffff;

/** A frame the server will take: a JPEG/PNG that is not a dotfile or a macOS fork. */
export function isFramePath(path: string): boolean {
  return FRAME_EXT.test(path) && !path.split("/").some((p) => p.startsWith(".") || p === "__MACOSX");
}

let table: Uint32Array | null = null;

export function crc32(bytes: Uint8Array, crc = 0): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = ~crc;
  for (let i = 0; i < bytes.length; i++) c = table[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

async function bytesOf(blob: Blob): Promise<Uint8Array> {
  // jsdom's Blob lacks arrayBuffer(); FileReader works in both.
  if (typeof blob.arrayBuffer === "function") return new Uint8Array(await blob.arrayBuffer());
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(new Uint8Array(r.result as ArrayBuffer));
    r.onerror = () => reject(r.error);
    r.readAsArrayBuffer(blob);
  });
}

function header(size: number, fill: (v: DataView) => void, name?: Uint8Array, at = 0): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size + (name?.length ?? 0));
  fill(new DataView(out.buffer));
  if (name) out.set(name, at);
  return out;
}

/** A store-only zip of the entries (UTF-8 names, 1980-01-01 dates). */
export async function storeZip(
  entries: ZipSource[],
  onProgress?: (done: number, total: number) => void,
): Promise<Blob> {
  if (entries.length > MAX_ENTRIES)
    throw new Error(`${entries.length} files are more than a browser-made zip can hold (${MAX_ENTRIES}); zip the folder yourself`);
  const enc = new TextEncoder();
  const parts: BlobPart[] = [];
  const central: Uint8Array<ArrayBuffer>[] = [];
  let offset = 0;
  for (let i = 0; i < entries.length; i++) {
    const { path, file } = entries[i];
    const name = enc.encode(path);
    const crc = crc32(await bytesOf(file));
    const size = file.size;
    if (offset + 30 + name.length + size > MAX_OFFSET)
      throw new Error("the folder is larger than 4 GB, more than a browser-made zip can hold; zip it yourself");
    const local = header(30, (v) => {
      v.setUint32(0, 0x04034b50, true);
      v.setUint16(4, 10, true); // version needed: stored
      v.setUint16(6, 0x0800, true); // UTF-8 names
      v.setUint16(8, 0, true); // stored
      v.setUint16(12, 0x21, true); // 1980-01-01
      v.setUint32(14, crc, true);
      v.setUint32(18, size, true);
      v.setUint32(22, size, true);
      v.setUint16(26, name.length, true);
    }, name, 30);
    central.push(header(46, (v) => {
      v.setUint32(0, 0x02014b50, true);
      v.setUint16(4, 0x0314, true); // made by: Unix, 2.0
      v.setUint16(6, 10, true);
      v.setUint16(8, 0x0800, true);
      v.setUint16(14, 0x21, true);
      v.setUint32(16, crc, true);
      v.setUint32(20, size, true);
      v.setUint32(24, size, true);
      v.setUint16(28, name.length, true);
      v.setUint32(38, (0o100644 << 16) >>> 0, true); // a regular file, rw-r--r--
      v.setUint32(42, offset, true);
    }, name, 46));
    parts.push(local, file);
    offset += local.length + size;
    onProgress?.(i + 1, entries.length);
  }
  const cdSize = central.reduce((n, c) => n + c.length, 0);
  const end = header(22, (v) => {
    v.setUint32(0, 0x06054b50, true);
    v.setUint16(8, entries.length, true);
    v.setUint16(10, entries.length, true);
    v.setUint32(12, cdSize, true);
    v.setUint32(16, offset, true);
  });
  return new Blob([...parts, ...central, end], { type: "application/zip" });
}

/** Frames of an <input webkitdirectory> choice, grouped by top folder: one zip each. */
export function foldersFromFileList(files: File[]): Map<string, ZipSource[]> {
  const out = new Map<string, ZipSource[]>();
  for (const file of files) {
    const path = (file as File & { webkitRelativePath?: string }).webkitRelativePath || file.name;
    if (!isFramePath(path)) continue;
    const top = path.includes("/") ? path.slice(0, path.indexOf("/")) : "frames";
    if (!out.has(top)) out.set(top, []);
    out.get(top)!.push({ path, file });
  }
  return out;
}

function readAll(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => {
    const all: FileSystemEntry[] = [];
    const next = () =>
      reader.readEntries((batch) => {
        if (!batch.length) return resolve(all);
        all.push(...batch);
        next(); // readEntries returns at most ~100 entries per call
      }, reject);
    next();
  });
}

async function walk(entry: FileSystemEntry, prefix: string, out: ZipSource[]): Promise<void> {
  const path = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (entry.isFile) {
    if (!isFramePath(path)) return;
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ path, file });
  } else if (entry.isDirectory && !entry.name.startsWith(".") && entry.name !== "__MACOSX") {
    for (const child of await readAll((entry as FileSystemDirectoryEntry).createReader())) await walk(child, path, out);
  }
}

/** Split a drop into plain files (each uploaded on its own) and folders (one zip each).
 *  The entries must be taken synchronously in the drop handler; reading them is async. */
export function splitDrop(dt: DataTransfer): { files: File[]; folders: Promise<Map<string, ZipSource[]>> } {
  const files: File[] = [];
  const dirs: FileSystemEntry[] = [];
  const items = dt.items ? Array.from(dt.items) : [];
  for (const item of items) {
    const entry = item.kind === "file" && item.webkitGetAsEntry ? item.webkitGetAsEntry() : null;
    if (entry?.isDirectory) dirs.push(entry);
    else {
      const f = item.getAsFile();
      if (f) files.push(f);
    }
  }
  if (!items.length) files.push(...Array.from(dt.files));
  const folders = (async () => {
    const out = new Map<string, ZipSource[]>();
    for (const dir of dirs) {
      const frames: ZipSource[] = [];
      await walk(dir, "", frames);
      out.set(dir.name, frames);
    }
    return out;
  })();
  return { files, folders };
}
