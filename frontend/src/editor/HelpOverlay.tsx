export const SHORTCUTS: [string, string][] = [
  ["← / →", "Previous / next frame"],
  ["Shift + ← / →", "Back / forward 10 frames"],
  ["Home / End", "First / last frame"],
  ["Space", "Play / pause"],
  ["Left click", "Positive point (add to object)"],
  ["Right click / Shift+click", "Negative point (remove)"],
  ["Drag", "Box prompt"],
  ["V", "Click tool (points and boxes for SAM 2)"],
  ["B", "Brush: paint onto the selected object's mask"],
  ["E", "Eraser: erase from the selected object's mask"],
  ["G", "Polygon: click vertices, click the first one or Enter to fill"],
  [", / .", "Brush size down / up (or Shift + wheel)"],
  ["Backspace", "Remove the polygon's last vertex"],
  ["Wheel", "Zoom at the cursor"],
  ["Alt + drag / middle drag", "Pan when zoomed"],
  ["0", "Reset zoom"],
  ["+ / −", "Zoom the timeline in / out (or Ctrl + wheel on it)"],
  ["Shift + wheel on the timeline", "Scroll the timeline"],
  ["N", "New object"],
  ["1 – 9", "Select object by position"],
  ["P", "Propagate (both directions)"],
  ["Shift + P", "Propagate forward only"],
  ["Z / Ctrl + Z", "Undo the last prompt on this frame (click, box, hand edit): the selected object's, else your own last one on any object"],
  ["Ctrl + Shift + Z / Ctrl + Y", "Redo: send the undone prompt again (Shift + Z too)"],
  ["C", "Clear the selected object's prompts on this frame"],
  ["H", "Hide / show the selected object"],
  ["K", "Next prompted frame (of the selected object, else any; Shift + K: previous)"],
  ["J", "Next frame where the selected object has no mask (Shift + J: previous)"],
  ["S", "Split the selected object at this frame (undo: its ⋯ menu)"],
  ["D", "Duplicate the selected object"],
  ["U", "Merge the selected object into another…"],
  ["X", "Clear the selected object's masks over a frame range…"],
  ["[ / ]", "Mask opacity down / up"],
  ["F", "Next flagged frame (quality flags; Shift + F: previous)"],
  ["R", "Review mode: next frame that needs a look: flagged, commented or not yet accepted (Shift + R: back)"],
  ["M", "Comment mode: the next click on the video pins the comment's point"],
  ["Esc", "Cancel the polygon or stroke, else deselect"],
  ["?", "This help"],
];

export default function HelpOverlay({ onClose }: { onClose: () => void }) {
  return (
    <div className="modal-backdrop" onClick={onClose} data-testid="help-overlay">
      <div className="modal" onClick={(e) => e.stopPropagation()} role="dialog" aria-label="Keyboard shortcuts">
        <div className="modal-head">
          <h2>Keyboard shortcuts</h2>
          <button className="btn btn-ghost btn-sm" onClick={onClose} aria-label="Close">
            ×
          </button>
        </div>
        <table className="shortcuts">
          <tbody>
            {SHORTCUTS.map(([k, d]) => (
              <tr key={k}>
                <td>
                  {k.split(" / ").map((part, i) => (
                    <span key={i}>
                      {i > 0 && " / "}
                      <kbd>{part}</kbd>
                    </span>
                  ))}
                </td>
                <td>{d}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
