// J&F of one annotation set of this video against another: pick the reference and the
// candidate (an import, the current non-imported masks, or what one member drew), the
// protocol, run the evaluation job, and read J&F per object and per frame, with a plot over
// the frames and links from the worst frames into the editor.
import { useCallback, useEffect, useMemo, useState } from "react";
import { api } from "../../api/client";
import {
  active,
  pct,
  worstFrames,
  type EvalResult,
  type Evaluation,
  type ImportJob,
  type Protocol,
  type Selector,
} from "../../api/evaluate";
import type { Member } from "../../api/types";
import { ProgressBar } from "../../components/layout";
import JfPlot from "./JfPlot";

export interface EvalObject {
  id: number;
  name: string;
  color: string;
}

interface SetOption {
  key: string;
  label: string;
  selector: Selector;
}

/** The annotation sets one can pick: each finished import, the current masks that no import
 * created, and what each member drew (imports excluded, as the server counts it). */
export function annotationSets(imports: ImportJob[], objects: EvalObject[], members: Member[]): SetOption[] {
  const out: SetOption[] = [];
  const imported = new Set<number>();
  for (const j of imports) {
    for (const id of j.result?.object_ids ?? []) imported.add(id);
    if (j.status === "done" && (j.result?.objects ?? 0) > 0)
      out.push({ key: `import:${j.id}`, label: `Import #${j.id} · ${j.filename} (${j.result?.objects} objects)`, selector: { import: j.id } });
  }
  const current = objects.filter((o) => !imported.has(o.id)).map((o) => o.id);
  if (current.length)
    out.push({ key: "current", label: `Current masks, not imported (${current.length} objects)`, selector: { objects: current } });
  for (const m of members) out.push({ key: `user:${m.username}`, label: `Drawn by ${m.username}`, selector: { user: m.username } });
  return out;
}

export function describe(sel: Selector, names?: Map<string, string>): string {
  if ("import" in sel) return names?.get(`import:${sel.import}`) ?? `import #${sel.import}`;
  if ("user" in sel) return `drawn by ${sel.user}`;
  return `${sel.objects.length} objects`;
}

/** Frames at or above this J&F are not listed as bad. */
const PERFECT = 0.999;

/** One annotation set picked from `sets` (the reference or the candidate). */
function SetSelect(props: {
  label: string;
  sets: SetOption[];
  value: string;
  onChange: (key: string) => void;
  testId: string;
}) {
  return (
    <label className="field">
      {props.label}
      <select value={props.value} onChange={(e) => props.onChange(e.target.value)} data-testid={props.testId}>
        {props.sets.map((s) => (
          <option key={s.key} value={s.key}>
            {s.label}
          </option>
        ))}
      </select>
    </label>
  );
}


function hasResult(ev: Evaluation | null): ev is Evaluation & { result: EvalResult } {
  return !!ev && ev.status === "done" && !!ev.result && "overall" in ev.result;
}

export default function EvaluatePanel({
  videoId,
  projectId,
  objects,
  imports,
  canEvaluate,
  onOpenFrame,
}: {
  videoId: number;
  projectId: number;
  objects: EvalObject[];
  imports: ImportJob[];
  canEvaluate: boolean;
  onOpenFrame: (frame: number, objectId?: number) => void;
}) {
  const [members, setMembers] = useState<Member[]>([]);
  const [refKey, setRefKey] = useState("");
  const [candKey, setCandKey] = useState("");
  const [protocol, setProtocol] = useState<Protocol>("semi-supervised");
  const [annotatedOnly, setAnnotatedOnly] = useState(false);
  const [ev, setEv] = useState<Evaluation | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [history, setHistory] = useState<Evaluation[]>([]);
  const [focus, setFocus] = useState<number | null>(null); // reference object id

  useEffect(() => {
    api<Member[]>(`/api/projects/${projectId}/members/`).then(setMembers, () => {});
  }, [projectId]);
  const loadHistory = useCallback(() => {
    api<Evaluation[]>(`/api/videos/${videoId}/evaluations/`).then(setHistory, () => {});
  }, [videoId]);
  useEffect(loadHistory, [loadHistory]);

  const sets = useMemo(() => annotationSets(imports, objects, members), [imports, objects, members]);
  const byKey = useMemo(() => new Map(sets.map((s) => [s.key, s])), [sets]);
  const labels = useMemo(() => new Map(sets.map((s) => [s.key, s.label])), [sets]);
  // Defaults: the newest import (also when one just finished) against the current masks.
  const newest = sets.find((s) => "import" in s.selector)?.key ?? "";
  const other = (ref: string) => sets.find((s) => s.key === "current")?.key ?? sets.find((s) => s.key !== ref)?.key ?? "";
  useEffect(() => {
    if (!newest) return;
    setRefKey(newest);
    setCandKey((c) => (c === newest || !c ? other(newest) : c));
  }, [newest]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    if (!byKey.has(refKey)) setRefKey(sets[0]?.key ?? "");
    if (!byKey.has(candKey)) setCandKey(other(refKey));
  }, [sets, byKey, refKey, candKey]); // eslint-disable-line react-hooks/exhaustive-deps

  const evId = ev?.id;
  const running = ev ? active(ev.status) : false;
  useEffect(() => {
    if (!running || evId === undefined) return;
    const t = setInterval(async () => {
      try {
        const e = await api<Evaluation>(`/api/evaluations/${evId}/`);
        setEv(e);
        if (!active(e.status)) loadHistory();
      } catch {
        /* keep polling */
      }
    }, 500);
    return () => clearInterval(t);
  }, [running, evId, loadHistory]);

  async function run() {
    const ref = byKey.get(refKey);
    const cand = byKey.get(candKey);
    if (!ref || !cand) return;
    setError(null);
    setFocus(null);
    try {
      setEv(
        await api<Evaluation>(`/api/videos/${videoId}/evaluations/`, {
          body: { reference: ref.selector, candidate: cand.selector, protocol, annotated_only: annotatedOnly },
        }),
      );
    } catch (e) {
      setError((e as Error).message);
    }
  }

  async function open(id: number) {
    setFocus(null);
    setError(null);
    try {
      setEv(await api<Evaluation>(`/api/evaluations/${id}/`));
    } catch (e) {
      setError((e as Error).message);
    }
  }

  const names = useMemo(() => new Map(objects.map((o) => [o.id, o])), [objects]);
  const name = (id: number | null) => (id === null ? "—" : (names.get(id)?.name ?? `#${id}`));
  const result = hasResult(ev) ? ev.result : null;
  const focused = result?.objects.find((o) => o.reference_id === focus) ?? null;
  const line =
    focused?.frames_jf && result
      ? { values: focused.frames_jf, color: names.get(focused.reference_id)?.color ?? "#ff5d8f", label: name(focused.reference_id) }
      : null;
  // The worst frames: of the picked object when there is one, else of the mean.
  const worst = useMemo(() => {
    if (!result) return [];
    const rows = line ? result.frames.map((f, i) => ({ ...f, JF: line.values[i] })) : result.frames;
    return worstFrames(rows.filter((f) => f.JF < PERFECT), 6);
  }, [result, line]);
  const same = refKey !== "" && refKey === candKey;

  return (
    <div className="eval-section" data-testid="evaluate-panel">
      <h3>Evaluate (J&F)</h3>
      {sets.length < 2 ? (
        <p className="muted small">Two annotation sets are needed: import one, or draw masks in the editor.</p>
      ) : (
        <div className="eval-form">
          <SetSelect label="Reference (ground truth)" sets={sets} value={refKey} onChange={setRefKey} testId="eval-reference" />
          <SetSelect label="Candidate" sets={sets} value={candKey} onChange={setCandKey} testId="eval-candidate" />
          <div className="eval-options">
            <div className="seg" role="radiogroup" aria-label="Protocol">
              {(["semi-supervised", "all-frames"] as Protocol[]).map((p) => (
                <label key={p} className={`seg-item ${protocol === p ? "on" : ""}`}>
                  <input type="radio" name="protocol" value={p} checked={protocol === p} onChange={() => setProtocol(p)} data-testid={`protocol-${p}`} />
                  {p === "semi-supervised" ? "Semi-supervised" : "All frames"}
                </label>
              ))}
            </div>
            <label className="check">
              <input type="checkbox" checked={annotatedOnly} onChange={(e) => setAnnotatedOnly(e.target.checked)} />
              only frames the reference annotates
            </label>
            <button className="btn btn-primary btn-sm" onClick={run} disabled={!canEvaluate || same || running} data-testid="eval-run">
              Evaluate
            </button>
          </div>
          <div className="muted small">
            {protocol === "semi-supervised"
              ? "DAVIS 2017: the first and last evaluated frames are left out (the first is the given mask)."
              : "Every evaluated frame counts."}
            {same && " Pick two different sets."}
            {!canEvaluate && " Your role cannot evaluate."}
          </div>
        </div>
      )}
      {error && (
        <div className="form-error" role="alert" data-testid="eval-error">
          {error}
        </div>
      )}
      {ev && running && <ProgressBar value={ev.progress} label={`${ev.status === "queued" ? "Queued" : "Evaluating"} ${Math.round(ev.progress)}%`} testId="eval-progress" />}
      {ev?.status === "failed" && <div className="form-error" data-testid="eval-failed">{ev.error || "The evaluation failed."}</div>}
      {ev && result && (
        <div className="eval-result" data-testid="eval-result">
          <div className="muted small">
            {describe(ev.reference, labels)} (reference) vs {describe(ev.candidate, labels)} · {result.protocol} · {result.overall.frames} frames ·{" "}
            {result.pairing === "hungarian" ? "objects paired by best J&F" : "pairs given"}
          </div>
          <div className="eval-tiles">
            <div className="eval-tile eval-tile-main">
              <b data-testid="eval-jf">{pct(result.overall.JF)}</b>
              <span>J&F</span>
            </div>
            {(["J", "F"] as const).map((k) => (
              <div className="eval-tile" key={k}>
                <b>{pct(result.overall[k].mean)}</b>
                <span>
                  {k} mean · recall {pct(result.overall[k].recall)} · decay {pct(result.overall[k].decay)}
                </span>
              </div>
            ))}
          </div>
          <JfPlot frames={result.frames} line={line} marked={worst} onPick={(f) => onOpenFrame(f, focused?.candidate_id ?? undefined)} />
          <table className="eval-table" data-testid="eval-objects">
            <thead>
              <tr>
                <th>Reference object</th>
                <th>Candidate</th>
                <th>J</th>
                <th>F</th>
                <th>J&F</th>
              </tr>
            </thead>
            <tbody>
              {result.objects.map((o) => (
                <tr
                  key={o.reference_id}
                  className={focus === o.reference_id ? "on" : ""}
                  onClick={() => setFocus(focus === o.reference_id ? null : o.reference_id)}
                  data-testid="eval-object-row"
                  title="Show this object's J&F over the frames"
                >
                  <td>
                    <i className="jf-swatch" style={{ background: names.get(o.reference_id)?.color }} /> {name(o.reference_id)}
                  </td>
                  <td>{o.candidate_id === null ? <span className="muted">no match</span> : name(o.candidate_id)}</td>
                  <td>{pct(o.J.mean)}</td>
                  <td>{pct(o.F.mean)}</td>
                  <td>
                    <span className="eval-bar">
                      <span style={{ width: `${Math.max(0, Math.min(100, 100 * o.JF))}%` }} />
                    </span>
                    {pct(o.JF)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {result.unmatched_candidates.length > 0 && (
            <div className="muted small">Candidates with no reference (not scored): {result.unmatched_candidates.map(name).join(", ")}</div>
          )}
          <div className="eval-worst">
            <span className="small">Worst frames{focused ? ` of ${name(focused.reference_id)}` : ""}:</span>
            {worst.length === 0 && <span className="muted small">none below {pct(PERFECT)}</span>}
            {worst.map((w) => (
              <a
                key={w.frame}
                href={`/videos/${videoId}?frame=${w.frame}`}
                className="chip"
                data-testid="bad-frame"
                data-frame={w.frame}
                onClick={(e) => {
                  e.preventDefault();
                  onOpenFrame(w.frame, focused?.candidate_id ?? undefined);
                }}
              >
                frame {w.frame} · {pct(w.JF)}
              </a>
            ))}
          </div>
          <details className="eval-frames">
            <summary className="small muted">Every frame ({result.frames.length})</summary>
            <table className="eval-table" data-testid="eval-frames">
              <thead>
                <tr>
                  <th>Frame</th>
                  <th>J</th>
                  <th>F</th>
                  <th>J&F</th>
                  {line && <th>{line.label}</th>}
                </tr>
              </thead>
              <tbody>
                {result.frames.map((f, i) => (
                  <tr key={f.frame} onClick={() => onOpenFrame(f.frame, focused?.candidate_id ?? undefined)} title="Open this frame in the editor">
                    <td>
                      <a href={`/videos/${videoId}?frame=${f.frame}`} onClick={(e) => e.preventDefault()}>
                        {f.frame}
                      </a>
                    </td>
                    <td>{pct(f.J)}</td>
                    <td>{pct(f.F)}</td>
                    <td>{pct(f.JF)}</td>
                    {line && <td>{pct(line.values[i])}</td>}
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </div>
      )}
      {history.length > 0 && (
        <details className="import-history">
          <summary className="small muted">Earlier evaluations ({history.length})</summary>
          <ul>
            {history.map((h) => (
              <li key={h.id} className="small">
                <button className="link-btn" onClick={() => open(h.id)} disabled={h.status !== "done"}>
                  #{h.id}
                </button>
                <span>
                  {describe(h.reference, labels)} vs {describe(h.candidate, labels)}
                </span>
                <span className={`status status-${h.status}`}>{h.status === "done" ? `J&F ${pct(h.jf_mean)}` : h.status}</span>
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
