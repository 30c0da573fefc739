// The review panel's Consensus section: two annotators labelled this video; compare their
// masklets by J&F (pairs worst first), open a pair's J&F per frame (the evaluate drawer's
// plot), and keep the better masklet of a pair (the other is dropped).
import { useEffect, useState } from "react";
import { api } from "../../api/client";
import { annotators, consensusUrl, defaultPair, livePairs, pickBody, type Consensus, type ConsensusPair } from "../../api/consensus";
import { pct, worstFrames } from "../../api/evaluate";
import type { Member, Video } from "../../api/types";
import type { ObjectOut } from "../../protocol/messages";
import JfPlot from "../evaluate/JfPlot";
import "../evaluate/evaluate.css";

export interface ConsensusSectionProps {
  videoId: number;
  objects: ObjectOut[];
  canPick: boolean;
  onSeek: (f: number) => void;
  onSelect: (id: number) => void;
  toast: (kind: "error" | "info" | "success", text: string) => void;
}

const PERFECT = 0.999;

export default function ConsensusSection(p: ConsensusSectionProps) {
  const [open, setOpen] = useState(false);
  const [people, setPeople] = useState<string[]>([]);
  const [a, setA] = useState("");
  const [b, setB] = useState("");
  const [result, setResult] = useState<Consensus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [focus, setFocus] = useState<number | null>(null); // a_id of the opened pair
  const [busy, setBusy] = useState(false);
  const byId = new Map(p.objects.map((o) => [o.id, o]));
  const name = (id: number) => byId.get(id)?.name || `object ${id}`;

  useEffect(() => {
    if (!open || people.length) return;
    (async () => {
      const v = await api<Video>(`/api/videos/${p.videoId}/`);
      const members = await api<Member[]>(`/api/projects/${v.project}/members/`);
      const list = annotators(members, [v.assignee, v.second_assignee]);
      const [da, db] = defaultPair(list, v.assignee, v.second_assignee);
      setPeople(list);
      setA(da);
      setB(db);
    })().catch((e) => setError((e as Error).message));
  }, [open, people.length, p.videoId]);

  const compare = async (x = a, y = b) => {
    setBusy(true);
    setError(null);
    try {
      setResult(await api<Consensus>(consensusUrl(p.videoId, x, y)));
    } catch (e) {
      setResult(null);
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const keep = async (pair: ConsensusPair, side: "a" | "b") => {
    setBusy(true);
    try {
      const body = pickBody(pair, side);
      await api(`/api/videos/${p.videoId}/consensus/pick/`, { body });
      p.toast("success", `Kept ${name(body.keep)} (${side === "a" ? result?.a : result?.b}); dropped the other.`);
      setFocus(null);
      setBusy(false);
      await compare(result?.a, result?.b);
    } catch (e) {
      p.toast("error", (e as Error).message);
      setBusy(false);
    }
  };

  const live = new Set(p.objects.map((o) => o.id));
  const pairs = result ? livePairs(result.pairs, live) : [];
  const focused = pairs.find((x) => x.a_id === focus) ?? null;
  const swatch = (id: number) => <span className="swatch" style={{ background: byId.get(id)?.color }} />;

  return (
    <details className="consensus" data-testid="consensus" onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>
        <strong>Consensus</strong> <span className="muted small">two annotators, J&F per masklet</span>
      </summary>
      <div className="consensus-form">
        <select value={a} onChange={(e) => setA(e.target.value)} aria-label="Annotator A" data-testid="consensus-a">
          {people.map((u) => (
            <option key={u}>{u}</option>
          ))}
        </select>
        <span className="muted small">vs</span>
        <select value={b} onChange={(e) => setB(e.target.value)} aria-label="Annotator B" data-testid="consensus-b">
          {people.map((u) => (
            <option key={u}>{u}</option>
          ))}
        </select>
        <button className="btn btn-sm btn-primary" disabled={busy || !a || !b || a === b} onClick={() => compare()} data-testid="consensus-run">
          Compare
        </button>
      </div>
      {error && (
        <div className="form-error small" role="alert" data-testid="consensus-error">
          {error}
        </div>
      )}
      {result && (
        <>
          <div className="muted small" data-testid="consensus-summary">
            A = {result.a}, B = {result.b} · {result.protocol} · {result.frames} frames · {pairs.length} pairs, worst first
          </div>
          <table className="eval-table consensus-table" data-testid="consensus-pairs">
            <thead>
              <tr>
                <th>A</th>
                <th>B</th>
                <th title="(J + F) / 2, mean over the frames">J&F</th>
                {p.canPick && <th />}
              </tr>
            </thead>
            <tbody>
              {pairs.map((pair) => (
                <tr
                  key={`${pair.a_id}-${pair.b_id}`}
                  className={focus === pair.a_id ? "on" : ""}
                  onClick={() => {
                    setFocus(focus === pair.a_id ? null : pair.a_id);
                    p.onSelect(pair.a_id);
                  }}
                  title={`J ${pct(pair.J)} · F ${pct(pair.F)}: click for J&F per frame`}
                  data-testid="consensus-pair"
                  data-a={pair.a_id}
                  data-b={pair.b_id}
                >
                  <td>
                    {swatch(pair.a_id)} {name(pair.a_id)}
                  </td>
                  <td>
                    {swatch(pair.b_id)} {name(pair.b_id)}
                  </td>
                  <td className="consensus-num" data-testid="consensus-jf">{pct(pair.JF)}</td>
                  {p.canPick && (
                    <td className="consensus-keep" onClick={(e) => e.stopPropagation()}>
                      <button className="btn btn-sm" disabled={busy} onClick={() => keep(pair, "a")} data-testid="keep-a" title={`Accept ${name(pair.a_id)}, drop ${name(pair.b_id)}`}>
                        Keep A
                      </button>
                      <button className="btn btn-sm" disabled={busy} onClick={() => keep(pair, "b")} data-testid="keep-b" title={`Accept ${name(pair.b_id)}, drop ${name(pair.a_id)}`}>
                        Keep B
                      </button>
                    </td>
                  )}
                </tr>
              ))}
              {pairs.length === 0 && (
                <tr>
                  <td colSpan={4} className="muted small">
                    No pairs left to decide.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
          {focused && (
            <div className="consensus-frames" data-testid="consensus-frames">
              <div className="small">
                {name(focused.a_id)} vs {name(focused.b_id)}: J {pct(focused.J)} · F {pct(focused.F)} · J&F {pct(focused.JF)}
              </div>
              <JfPlot
                frames={focused.frames}
                meanLabel="J&F of this pair"
                width={300}
                height={130}
                marked={worstFrames(focused.frames.filter((f) => f.JF < PERFECT), 5)}
                onPick={p.onSeek}
              />
            </div>
          )}
          {(result.unmatched_a.some((i) => live.has(i)) || result.unmatched_b.some((i) => live.has(i))) && (
            <div className="muted small" data-testid="consensus-unmatched">
              Only one annotator drew: {[...result.unmatched_a, ...result.unmatched_b].filter((i) => live.has(i)).map(name).join(", ")}
            </div>
          )}
        </>
      )}
    </details>
  );
}
