import { describe, expect, it } from "vitest";
import { crc32, foldersFromFileList, isFramePath, splitDrop, storeZip } from "./folderZip";

const u8 = (s: string) => new TextEncoder().encode(s);

describe("folderZip", () => {
  it("computes the standard CRC-32", () => {
    expect(crc32(u8("123456789"))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array())).toBe(0);
  });

  it("keeps only JPEG/PNG frames, not dotfiles or macOS forks", () => {
    expect(isFramePath("seq/00000.jpg")).toBe(true);
    expect(isFramePath("seq/a.JPEG")).toBe(true);
    expect(isFramePath("seq/b.png")).toBe(true);
    expect(isFramePath("seq/._b.png")).toBe(false);
    expect(isFramePath("__MACOSX/seq/b.png")).toBe(false);
    expect(isFramePath("seq/notes.txt")).toBe(false);
  });

  it("groups a folder choice by its top folder", () => {
    const f = (path: string) => Object.assign(new File([u8("x")], path.split("/").pop()!), { webkitRelativePath: path });
    const groups = foldersFromFileList([f("bear/00000.jpg"), f("bear/.DS_Store"), f("cat/1.png")]);
    expect([...groups.keys()]).toEqual(["bear", "cat"]);
    expect(groups.get("bear")!.map((e) => e.path)).toEqual(["bear/00000.jpg"]);
  });

  it("writes a store-only zip whose directory points at each entry", async () => {
    const entries = [
      { path: "bear/00000.jpg", file: new Blob([u8("first frame")]) },
      { path: "bear/ü/00001.png", file: new Blob([u8("second")]) },
    ];
    const zip = new Uint8Array(await (await storeZip(entries)).arrayBuffer());
    const v = new DataView(zip.buffer);
    const end = zip.length - 22;
    expect(v.getUint32(end, true)).toBe(0x06054b50);
    expect(v.getUint16(end + 10, true)).toBe(2);
    let cd = v.getUint32(end + 16, true);
    const dec = new TextDecoder();
    for (const e of entries) {
      expect(v.getUint32(cd, true)).toBe(0x02014b50);
      const n = v.getUint16(cd + 28, true);
      expect(dec.decode(zip.subarray(cd + 46, cd + 46 + n))).toBe(e.path);
      const size = v.getUint32(cd + 24, true);
      const local = v.getUint32(cd + 42, true);
      expect(v.getUint32(local, true)).toBe(0x04034b50);
      const start = local + 30 + v.getUint16(local + 26, true);
      const data = zip.subarray(start, start + size);
      expect(dec.decode(data)).toBe(dec.decode(new Uint8Array(await e.file.arrayBuffer())));
      expect(v.getUint32(cd + 16, true)).toBe(crc32(data));
      cd += 46 + n;
    }
  });

  it("walks a dropped folder (entries read in batches) and keeps dropped files apart", async () => {
    const file = (name: string) => ({ isFile: true, isDirectory: false, name, file: (ok: (f: File) => void) => ok(new File([u8(name)], name)) });
    const dir = (name: string, children: object[]) => ({
      isFile: false,
      isDirectory: true,
      name,
      createReader: () => {
        // readEntries hands out at most 2 entries a call here, then [] when done.
        let at = 0;
        return { readEntries: (ok: (b: object[]) => void) => ok(children.slice(at, (at += 2))) };
      },
    });
    const tree = dir("bear", [
      file("00001.jpg"), file("00000.jpg"), file(".DS_Store"), file("notes.txt"),
      dir("__MACOSX", [file("._00000.jpg")]), dir("more", [file("00002.png")]),
    ]);
    const loose = new File([u8("clip")], "clip.mp4");
    const dt = {
      items: [
        { kind: "file", webkitGetAsEntry: () => tree, getAsFile: () => null },
        { kind: "file", webkitGetAsEntry: () => ({ isDirectory: false }), getAsFile: () => loose },
      ],
      files: [],
    } as unknown as DataTransfer;
    const { files, folders } = splitDrop(dt);
    expect(files).toEqual([loose]);
    const got = await folders;
    expect([...got.keys()]).toEqual(["bear"]);
    expect(got.get("bear")!.map((e) => e.path)).toEqual(["bear/00001.jpg", "bear/00000.jpg", "bear/more/00002.png"]);
  });
});
