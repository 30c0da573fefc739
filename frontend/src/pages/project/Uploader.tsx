// Upload videos, image folders and zips into a project, with progress per file.
import { useEffect, useRef, useState } from "react";
import { ApiError, uploadFile } from "../../api/client";
import { foldersFromFileList, splitDrop, storeZip, type ZipSource } from "../folderZip";
import { formatBytes } from "../../components/format";
import { ProgressBar } from "../../components/layout";

interface UploadItem {
  key: number;
  name: string;
  size: number;
  progress: number;
  state: "packing" | "uploading" | "done" | "error";
  error?: string;
  abort?: () => void;
}

export default function Uploader({
  projectId,
  onUploaded,
  onActive,
}: {
  projectId: number;
  onUploaded: () => void;
  /** The number of uploads in flight (packing, sending, or just sent), when it changes. */
  onActive?: (n: number) => void;
}) {
  const [items, setItems] = useState<UploadItem[]>([]);
  const [drag, setDrag] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  const counter = useRef(0);

  const inFlight = items.filter((x) => x.state !== "error").length;
  useEffect(() => onActive?.(inFlight), [inFlight, onActive]);

  const update = (key: number, patch: Partial<UploadItem>) =>
    setItems((xs) => xs.map((x) => (x.key === key ? { ...x, ...patch } : x)));

  function start(files: FileList | File[]) {
    for (const file of Array.from(files)) send(file, ++counter.current);
  }

  // A folder of frames is packed into one store-only zip here and uploaded as one image
  // sequence (the server orders the frames by their paths).
  async function startFolders(folders: Map<string, ZipSource[]>) {
    for (const [folder, frames] of folders) {
      const key = ++counter.current;
      const name = `${folder}.zip`;
      const size = frames.reduce((n, f) => n + f.file.size, 0);
      setItems((xs) => [...xs, { key, name, size, progress: 0, state: "packing" }]);
      if (!frames.length) {
        update(key, { state: "error", error: `Not accepted: the folder ${folder} has no JPEG or PNG images` });
        continue;
      }
      try {
        const zip = await storeZip(frames, (done, total) => update(key, { progress: (100 * done) / total }));
        send(new File([zip], name, { type: "application/zip" }), key, true);
      } catch (e) {
        update(key, { state: "error", error: e instanceof Error ? e.message : String(e) });
      }
    }
  }

  function send(file: File, key: number, listed = false) {
    const handle = uploadFile(`/api/projects/${projectId}/videos/`, file, (f) =>
      update(key, { progress: f * 100 }),
    );
    const item: UploadItem = {
      key, name: file.name, size: file.size, progress: 0, state: "uploading", abort: handle.abort,
    };
    if (listed) update(key, item);
    else setItems((xs) => [...xs, item]);
    handle.promise
      .then(() => {
        update(key, { state: "done", progress: 100 });
        onUploaded();
        setTimeout(() => setItems((xs) => xs.filter((x) => x.key !== key)), 2500);
      })
      .catch((e: ApiError) => {
        const msg =
          e.status === 413 ? `Too large: ${e.message}` : e.status === 400 ? `Not accepted: ${e.message}` : e.message;
        update(key, { state: "error", error: msg });
      });
  }

  return (
    <div className="uploader">
      <div
        className={`dropzone ${drag ? "dropzone-active" : ""}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDrag(true);
        }}
        onDragLeave={() => setDrag(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDrag(false);
          const { files, folders } = splitDrop(e.dataTransfer);
          if (files.length) start(files);
          void folders.then((f) => {
            if (f.size) void startFolders(f);
          });
        }}
        onClick={() => input.current?.click()}
        onKeyDown={(e) => {
          // A role=button opens on Enter and Space, as a native button does.
          if (e.key === "Enter" || e.key === " ") {
            e.preventDefault();
            input.current?.click();
          }
        }}
        role="button"
        tabIndex={0}
        aria-label="Upload videos or images: choose files"
        data-testid="dropzone"
      >
        <svg viewBox="0 0 24 24" width="26" height="26" aria-hidden>
          <path d="M12 16V4m0 0-4 4m4-4 4 4M4 16v3a1 1 0 0 0 1 1h14a1 1 0 0 0 1-1v-3" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" />
        </svg>
        <div>
          <strong>Upload videos or images</strong>
          <div className="muted">
            Drop files or a folder of frames here, or click to choose: videos (MP4, MOV, WebM, MKV…), a .zip of
            JPEG/PNG frames, or single JPEG/PNG images
          </div>
        </div>
        <input
          ref={input}
          type="file"
          accept="video/*,.mkv,.avi,.zip,application/zip,.jpg,.jpeg,.png,image/jpeg,image/png"
          multiple
          hidden
          data-testid="upload-input"
          onChange={(e) => {
            if (e.target.files?.length) start(e.target.files);
            e.target.value = "";
          }}
        />
      </div>
      <div className="upload-folder-row" style={{ display: "flex", alignItems: "center", gap: 10, marginTop: 6, fontSize: 12 }}>
        <button type="button" className="btn btn-ghost btn-sm" data-testid="upload-folder"
          onClick={() => folderInput.current?.click()}>
          Choose a folder of frames…
        </button>
        <span className="muted">packed into one zip in the browser; frames in natural order of their names</span>
        <input
          ref={folderInput}
          type="file"
          hidden
          data-testid="upload-folder-input"
          {...{ webkitdirectory: "" }}
          onChange={(e) => {
            const files = Array.from(e.target.files ?? []);
            e.target.value = "";
            const folders = foldersFromFileList(files);
            if (folders.size) void startFolders(folders);
          }}
        />
      </div>
      {items.length > 0 && (
        <ul className="upload-list">
          {items.map((it) => (
            <li key={it.key} className={`upload-item upload-${it.state}`} data-testid="upload-item">
              <div className="upload-row">
                <span className="upload-name">{it.name}</span>
                <span className="muted">{formatBytes(it.size)}</span>
                {it.state === "uploading" && (
                  <button className="btn btn-ghost btn-sm" onClick={() => it.abort?.()}>
                    Cancel
                  </button>
                )}
                {it.state === "error" && (
                  <button
                    className="btn btn-ghost btn-sm"
                    onClick={() => setItems((xs) => xs.filter((x) => x.key !== it.key))}
                  >
                    Dismiss
                  </button>
                )}
              </div>
              {it.state === "error" ? (
                <div className="form-error" role="alert" data-testid="upload-error">
                  {it.error}
                </div>
              ) : (
                <ProgressBar
                  value={it.progress}
                  label={
                    it.state === "done"
                      ? "Uploaded, processing…"
                      : it.state === "packing"
                        ? `Packing frames… ${Math.round(it.progress)}%`
                        : `${Math.round(it.progress)}%`
                  }
                  testId="upload-progress"
                />
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
