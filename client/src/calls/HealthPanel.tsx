import { useState } from "react";
import { useCallsContext } from "./context";
import type { CallHealth } from "./health";

/** "Call health": round trip, bitrate, loss and direct/relayed, per connection (from getStats). */
export function HealthPanel({ rows }: { rows: { name: string; health: CallHealth | null }[] }) {
  const { t } = useCallsContext();
  const [open, setOpen] = useState(false);
  const dash = "–";
  return (
    <div className="calls-health">
      <button
        type="button"
        className="calls-text-button calls-health-toggle"
        aria-expanded={open}
        onClick={() => setOpen((v) => !v)}
      >
        {t.health}
      </button>
      {open && (
        <table className="calls-health-table" data-testid="call-health">
          <thead>
            <tr>
              <th scope="col" />
              <th scope="col">{t.healthPath}</th>
              <th scope="col">{t.healthRtt}</th>
              <th scope="col">{t.healthBitrate}</th>
              <th scope="col">{t.healthLoss}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ name, health: h }) => (
              <tr key={name} data-route={h?.route ?? ""}>
                <th scope="row">{name}</th>
                <td>{h?.route ? (h.route === "relay" ? t.relay : t.direct) : dash}</td>
                <td>{h?.rttMs != null ? `${h.rttMs} ms` : dash}</td>
                <td>{h?.kbps != null ? `${h.kbps} kbit/s` : dash}</td>
                <td>{h?.lossPercent != null ? `${h.lossPercent} %` : dash}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
