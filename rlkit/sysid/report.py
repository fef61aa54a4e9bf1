"""The identification report: measured against simulated channels before and after, as PNG and HTML.

``report.png`` plots the first logged episode's compared channels (up to :data:`MAX_PLOTTED`, those the
identification improved most first): the measurement, the replay on the model as written (with every delay
and bias at its start) and the replay at the identified values. ``report.html`` is one self-contained page:
the fit before and after, the table of identified values with their confidence intervals and search bounds,
each channel's RMS error before and after, and the figure.
"""

from __future__ import annotations

import base64
import html
import math

import numpy as np

from rlkit.evaluate.figures import new_figure, png_bytes
from rlkit.sysid.identification import Identification

#: Channels plotted at most.
MAX_PLOTTED = 12


def plotted_channels(result: Identification) -> list[int]:
    """The channels the figure shows: those whose RMS error fell most (relatively) first."""
    before = np.asarray(result.channel_rms_before)
    after = np.asarray(result.channel_rms_after)
    gain = np.where(before > 0, (before - after) / np.maximum(before, 1e-300), 0.0)
    return [int(i) for i in np.argsort(-gain, kind="stable")[:MAX_PLOTTED]]


def render_report_png(result: Identification) -> bytes:
    """The measured, before and after curves of the plotted channels, as PNG bytes."""
    shown = plotted_channels(result)
    columns = 3 if len(shown) > 4 else max(1, len(shown))
    rows = math.ceil(len(shown) / columns)
    figure = new_figure(4.2 * columns, 2.4 * rows + 0.6)
    for slot, channel in enumerate(shown):
        plot = figure.add_subplot(rows, columns, slot + 1)
        plot.plot(result.time, result.measured[:, channel], color="0.55", linewidth=1.0, label="measured")
        plot.plot(
            result.time,
            result.simulated_before[:, channel],
            color="tab:red",
            linewidth=0.9,
            linestyle="--",
            label="model as written",
        )
        plot.plot(
            result.time,
            result.simulated_after[:, channel],
            color="tab:blue",
            linewidth=0.9,
            label="identified",
        )
        plot.set_title(result.channels[channel], fontsize="small")
        plot.tick_params(labelsize="x-small")
        plot.grid(alpha=0.3)
        if slot == 0:
            plot.legend(fontsize="x-small")
    figure.suptitle(
        f"replay of the first logged episode: cost {result.cost_before:.4g} → {result.cost_after:.4g}",
        fontsize="medium",
    )
    return png_bytes(figure)


def _number(value: float) -> str:
    return "∞" if not math.isfinite(value) else f"{value:.6g}"


def render_report_html(result: Identification, png: bytes, logs: list[str], config_name: str) -> str:
    """The whole report as one HTML page, ``png`` (from :func:`render_report_png`) inlined."""
    rows = "\n".join(
        "<tr>"
        + "".join(
            f"<td>{cell}</td>"
            for cell in (
                html.escape(value.name),
                value.kind,
                _number(value.initial),
                f"<b>{_number(value.value)}</b>",
                "± " + _number(value.interval),
                f"[{_number(value.low)}, {_number(value.high)}]",
            )
        )
        + "</tr>"
        for value in result.values
    )
    channels = "\n".join(
        f"<tr><td>{html.escape(name)}</td><td>{_number(before)}</td><td>{_number(after)}</td></tr>"
        for name, before, after in zip(
            result.channels, result.channel_rms_before, result.channel_rms_after, strict=True
        )
    )
    image = base64.b64encode(png).decode()
    listed = ", ".join(html.escape(log) for log in logs)
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>rlkit calibrate: {html.escape(config_name)}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1400px}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}
td:first-child{{text-align:left}}</style></head>
<body>
<h1>Identification of {html.escape(config_name)}</h1>
<p>Logs: {listed}. Control period {result.control_period:g} s; {len(result.channels)} channels compared.
Mean squared normalized residual {result.cost_before:.6g} on the model as written,
{result.cost_after:.6g} at the
identified values ({result.iterations} least-squares iterations, {result.seconds:.1f} s).</p>
<h2>Identified values</h2>
<p>Parameters are factors (mode scale) or offsets (mode offset) of the model's own values; delays in seconds;
biases in the channel's units. Intervals: {html.escape("half-widths")} at the configured confidence, from the
Jacobian at the optimum (optimistic where residuals are correlated in time).</p>
<table><tr><th>unknown</th><th>kind</th><th>start</th><th>identified</th><th>interval</th><th>bounds</th></tr>
{rows}
</table>
<h2>Fit per channel (RMS error, channel units)</h2>
<table><tr><th>channel</th><th>model as written</th><th>identified</th></tr>
{channels}
</table>
<h2>Replay of the first episode</h2>
<img alt="measured and simulated channels" src="data:image/png;base64,{image}">
</body></html>
"""
