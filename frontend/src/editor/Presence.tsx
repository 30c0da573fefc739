// Who is in the video: the top bar's avatars and connection state, and the sidebar's list.
import { colorFor } from "../components/layout";
import type { ConnectionState } from "../protocol/client";
import type { EditorController } from "./controller";

const CONN_LABEL: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  open: "Live",
  syncing: "Syncing…",
  reconnecting: "Reconnecting…",
  closed: "Offline",
  failed: "Disconnected",
};

function objectName(ctl: EditorController, oid: number | null): string | undefined {
  return oid !== null ? ctl.store.objects.get(oid)?.name : undefined;
}

/** The top bar's right side: avatars, the connection state (with Retry) and the help button. */
export function RoomStatus({ ctl, conn, onHelp }: { ctl: EditorController; conn: ConnectionState; onHelp: () => void }) {
  const { users, you } = ctl.store;
  return (
    <>
      <div className="presence" data-testid="presence">
        {users.map((u) => (
          <span
            key={u.username}
            className={`avatar ${u.username === you ? "avatar-me" : ""}`}
            style={{ background: colorFor(u.username) }}
            title={`${u.username}${u.username === you ? " (you)" : ""} · frame ${u.frame ?? "–"}${objectName(ctl, u.object_id) ? ` · ${objectName(ctl, u.object_id)}` : ""}`}
            data-username={u.username}
          >
            {u.username.slice(0, 1).toUpperCase()}
          </span>
        ))}
      </div>
      <span className={`conn conn-${conn}`} data-testid="connection" data-state={conn}>
        <span className="conn-dot" />
        {CONN_LABEL[conn]}
        {(conn === "reconnecting" || conn === "failed") && (
          <button className="btn btn-ghost btn-sm" onClick={() => ctl.client.reconnectNow()}>
            Retry
          </button>
        )}
      </span>
      <button className="btn btn-ghost btn-sm" onClick={onHelp} title="Keyboard shortcuts (?)">
        ?
      </button>
    </>
  );
}

/** The sidebar's "In this video" panel; a click on someone's frame goes there. */
export function PeoplePanel({ ctl, onSeek }: { ctl: EditorController; onSeek: (frame: number) => void }) {
  const { users, you } = ctl.store;
  const others = users.filter((u) => u.username !== you);
  return (
    <div className="panel">
      <div className="panel-head">
        <h3>In this video</h3>
        <span className="muted small">{users.length}</span>
      </div>
      <ul className="people">
        {users.map((u) => (
          <li key={u.username} data-testid="presence-user" data-username={u.username}>
            <span className="avatar sm" style={{ background: colorFor(u.username) }}>
              {u.username.slice(0, 1).toUpperCase()}
            </span>
            <span className="grow">
              {u.username}
              {u.username === you && <span className="muted"> (you)</span>}
            </span>
            {u.frame !== null && u.username !== you ? (
              <button className="link-btn small" onClick={() => onSeek(u.frame!)}>
                frame {u.frame}
                {objectName(ctl, u.object_id) ? ` · ${objectName(ctl, u.object_id)}` : ""}
              </button>
            ) : (
              <span className="muted small">frame {u.frame ?? "–"}</span>
            )}
          </li>
        ))}
        {others.length === 0 && <li className="muted small">Nobody else is here.</li>}
      </ul>
    </div>
  );
}
