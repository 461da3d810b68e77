"""The tour's index page: every task it ran, who won, by how much, and a link to each report."""

from __future__ import annotations

import html

from deepmine.evaluation.metrics import greater_is_better

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#222;
padding:0 1rem;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem} .sub{color:#666;margin-top:0}
table{border-collapse:collapse;width:100%;margin:1rem 0;font-size:.92rem}
th,td{border-bottom:1px solid #e3e3e3;padding:.45rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f6f6} td.num{text-align:right;font-variant-numeric:tabular-nums}
.deep{color:#c44e52;font-weight:600} .traditional{color:#4c72b0;font-weight:600} .tie{color:#666}
.summary{display:flex;gap:1rem;flex-wrap:wrap} .card{border:1px solid #e3e3e3;border-radius:8px;padding:.7rem 1rem}
.card b{font-size:1.4rem;display:block} .err{color:#b00} svg{max-width:100%;height:auto}
"""


def outcome(board) -> dict:
    """The best deep and best traditional model on the primary metric, who won and the margin."""
    frame, metric = board.frame, board.primary
    result = {"metric": metric, "winner": None}
    if metric is None or metric not in frame.columns:
        return result
    higher = greater_is_better(metric)
    deep, trad = frame[frame.kind == "deep"], frame[frame.kind == "traditional"]
    if deep.empty or trad.empty:
        return result
    d, t = deep.iloc[0], trad.iloc[0]
    gain = (d[metric] - t[metric]) * (1 if higher else -1)
    result.update(deep=(d["model"], float(d[metric]), float(d["fit_s"])),
                  traditional=(t["model"], float(t[metric]), float(t["fit_s"])), gain=float(gain),
                  winner="deep" if gain > 0 else "traditional" if gain < 0 else "tie")
    return result


def _cell(entry: tuple | None) -> str:
    if entry is None:
        return "<td>—</td>"
    name, value, seconds = entry
    return f"<td>{html.escape(name)}<br><span class='num'>{value:.4f}</span> <small>({seconds:.1f} s)</small></td>"


def render_index(entries: list[dict], tour: str, minutes: float) -> str:
    """The index page of a tour; each entry has name, task, question, dataset, report and board (or error)."""
    rows, wins, figures = [], {"deep": 0, "traditional": 0, "tie": 0}, []
    for e in entries:
        question = html.escape(e["question"])
        if "approximation" in e:  # a page of figures, not a leaderboard: shown below the table
            figures.append(f"<h2><a href='{html.escape(e['report'])}'>{question}</a></h2>"
                           + "".join(f"<h3>{html.escape(title)}</h3>{content}" for title, content in e["approximation"]))
            continue
        if "error" in e:
            rows.append(f"<tr><td>{html.escape(e['task'])}</td><td>{question}<br><small>{html.escape(e['dataset'])}"
                        f"</small></td><td colspan='4' class='err'>failed: {html.escape(e['error'])}</td></tr>")
            continue
        o = outcome(e["board"])
        if o["winner"]:
            wins[o["winner"]] += 1
        verdict = {"deep": "deep learning", "traditional": "traditional", "tie": "tie", None: "—"}[o["winner"]]
        margin = f"{o['gain']:+.4f} {html.escape(str(o['metric']))}" if o["winner"] else ""
        rows.append(
            f"<tr><td><a href='{html.escape(e['report'])}'>{html.escape(e['task'])}</a></td>"
            f"<td>{question}<br><small>{html.escape(e['dataset'])}</small></td>"
            f"{_cell(o.get('deep'))}{_cell(o.get('traditional'))}"
            f"<td class='{o['winner'] or ''}'>{verdict}<br><small>{margin}</small></td>"
            f"<td class='num'>{e['seconds']:.0f} s</td></tr>")
    cards = "".join(f"<div class='card'><b class='{k}'>{v}</b>{label}</div>" for k, v, label in (
        ("deep", wins["deep"], "tasks where deep learning won"),
        ("traditional", wins["traditional"], "where the traditional method won"),
        ("tie", wins["tie"], "ties")))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>deepmine tour</title><style>{_STYLE}</style></head>
<body><h1>Where did deep learning win?</h1>
<p class="sub">The {tour} tour: every task on its bundled real dataset, the best deep model against the best
traditional one on the task's primary metric, on the same split ({minutes:.1f} minutes on this machine).
The margin is the deep model's advantage (negative: the traditional method was better).</p>
<div class="summary">{cards}</div>
<table id="tour"><thead><tr><th>task (report)</th><th>question</th><th>best deep</th><th>best traditional</th>
<th>winner, margin</th><th>time</th></tr></thead><tbody>
{''.join(rows)}
</tbody></table>
{''.join(figures)}</body></html>
"""


__all__ = ["outcome", "render_index"]
