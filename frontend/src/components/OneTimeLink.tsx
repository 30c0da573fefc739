// A one-time set-password link (an invitation or a password reset) to hand over by hand: there
// is no email, so it is shown with a Copy button, whose it is and how long it works.
import { useRef, useState } from "react";

export interface SetPasswordLink {
  url: string;
  expires_hours: number;
}

async function copyText(text: string, input: HTMLInputElement | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard API (plain http, old browser): select the text and copy the selection.
    input?.select();
    try {
      return document.execCommand("copy");
    } catch {
      return false;
    }
  }
}

export default function OneTimeLink({
  title,
  link,
  onClose,
}: {
  title: string;
  link: SetPasswordLink;
  onClose: () => void;
}) {
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<boolean | null>(null);
  return (
    <div className="one-time-link" data-testid="one-time-link" role="group" aria-label={title}>
      <div className="one-time-link-head">
        <strong>{title}</strong>
        <button type="button" className="btn btn-ghost btn-sm" onClick={onClose} aria-label="Close the link">
          ×
        </button>
      </div>
      <div className="one-time-link-row">
        <input
          ref={input}
          readOnly
          value={link.url}
          aria-label="One-time link"
          data-testid="one-time-link-url"
          onFocus={(e) => e.currentTarget.select()}
        />
        <button
          type="button"
          className="btn btn-sm btn-primary"
          data-testid="one-time-link-copy"
          onClick={async () => setCopied(await copyText(link.url, input.current))}
        >
          {copied ? "Copied" : "Copy"}
        </button>
      </div>
      <div className="muted small">
        {copied === false
          ? "Could not copy: select the link and copy it yourself."
          : `Send it yourself (no email is sent). It works once, for ${link.expires_hours} hours.`}
      </div>
    </div>
  );
}
