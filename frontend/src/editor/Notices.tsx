// The editor's banners: random model weights, a connection the server closed for good (with
// the server's reason, e.g. "You were removed from this project."), and a server that speaks
// another protocol version than this page ("Reload: the server was updated"; it stays).
import { useEffect, useState } from "react";
import type { ConnectionState, ProtocolClient } from "../protocol/client";
import { serverUpdated } from "../protocol/wire";

/** True once a session.state came from a server with another protocol version. */
export function useServerUpdated(client: ProtocolClient): boolean {
  const [updated, setUpdated] = useState(false);
  useEffect(
    () => client.onMessage((m) => m.type === "session.state" && serverUpdated(m) && setUpdated(true)),
    [client],
  );
  return updated;
}

export function ConnectionNotices({
  client,
  conn,
  reload = () => window.location.reload(),
}: {
  client: ProtocolClient;
  conn: ConnectionState;
  reload?: () => void;
}) {
  const updated = useServerUpdated(client);
  return (
    <>
      {updated && (
        <div className="banner banner-warn" role="alert" data-testid="server-updated">
          <strong>Reload: the server was updated.</strong> This page speaks an older protocol; reload it to
          keep working.{" "}
          <button className="btn btn-sm btn-primary" onClick={reload} data-testid="reload">
            Reload
          </button>
        </div>
      )}
      {conn === "failed" && (
        <div className="banner banner-error" role="alert" data-testid="connection-closed">
          The server closed the live connection: {client.failure?.reason} Edits are disabled until you
          reconnect.
        </div>
      )}
    </>
  );
}

export function RandomWeightsBanner({ name }: { name: string }) {
  return (
    <div className="banner banner-warn" data-testid="random-weights-banner">
      <strong>model: random weights</strong> — {name} is running without a checkpoint, so masks are not
      meaningful. Set <code>SAM2_CHECKPOINT</code> to load trained weights.
    </div>
  );
}
