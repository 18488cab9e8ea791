"""The copy test itself: it must find an answer shown above its exercise, and only then."""

from __future__ import annotations

import base64
import json

import nbformat

from copycheck import copyable


def nb_with(outputs_above: list[dict], sig: dict, check_src: str = "q1.check(answer_q1)") -> nbformat.NotebookNode:
    cells = []
    for out in outputs_above:
        c = nbformat.v4.new_code_cell("x")
        c.outputs = [nbformat.from_dict(out)]
        cells.append(c)
    cells.append(nbformat.v4.new_code_cell(check_src))
    last = nbformat.v4.new_code_cell("signatures")
    last.outputs = [nbformat.v4.new_output("stream", name="stdout",
                                           text="COPY-SIGNATURES " + json.dumps([{"notebook": "05", **sig}]) + "\n")]
    cells.append(last)
    return nbformat.v4.new_notebook(cells=cells)


def stream(text: str) -> dict:
    return {"output_type": "stream", "name": "stdout", "text": text}


NUM = {"exercise": "q1", "kind": "number", "value": 81.83, "tol": [0.05, 0.0]}


def test_a_number_at_the_checks_precision_is_found():
    assert copyable(nb_with([stream("CSAT: 81.8%\n")], NUM), "05")
    assert copyable(nb_with([stream("CSAT 81.83 of 1,204\n")], NUM), "05")


def test_a_coarser_number_or_a_later_reveal_is_not_a_copy():
    assert copyable(nb_with([stream("about 82% were satisfied\n")], NUM), "05") == []
    nb = nb_with([], NUM)
    reveal = nbformat.v4.new_code_cell("print(csat)")
    reveal.outputs = [nbformat.from_dict(stream("81.8\n"))]
    nb.cells.insert(1, reveal)  # after the check cell
    assert copyable(nb, "05") == []


def test_numbers_inside_charts_and_html_count():
    svg = '<svg><text x="1">81.8</text></svg>'
    html_out = {"output_type": "display_data", "metadata": {},
                "data": {"text/html": f'<img src="data:image/svg+xml;base64,{base64.b64encode(svg.encode()).decode()}">',
                         "text/plain": "chart"}}
    assert copyable(nb_with([html_out], NUM), "05")
    table = {"output_type": "execute_result", "execution_count": 1, "metadata": {},
             "data": {"text/html": "<table><tr><td>81.83</td></tr></table>", "text/plain": "table"}}
    assert copyable(nb_with([table], NUM), "05")


def test_ids_labels_and_series():
    ids = {"exercise": "q1", "kind": "ids", "value": ["AG02", "AG17"]}
    assert copyable(nb_with([stream("suspects: AG02, AG17\n")], ids), "05")
    assert copyable(nb_with([stream("AG01 AG02 AG03 AG17\n")], ids), "05") == []  # a full table is no answer
    label = {"exercise": "q1", "kind": "label", "value": "Enterprise", "options": ["SMB", "Enterprise"]}
    assert copyable(nb_with([stream("highest: Enterprise\n")], label), "05")
    assert copyable(nb_with([stream("SMB 12 Enterprise 30\n")], label), "05") == []
    series = {"exercise": "q1", "kind": "frame", "value": [12.5, 3.25], "tol": [0.01, 0.0]}
    assert copyable(nb_with([stream("SMB 12.50\nEnterprise 3.25\n")], series), "05")
    assert copyable(nb_with([stream("SMB 12.50\n")], series), "05") == []


def test_small_whole_numbers_code_and_exempt_are_skipped():
    small = {"exercise": "q1", "kind": "number", "value": 4.0, "tol": [0.5, 0.0]}
    assert copyable(nb_with([stream("4 agents\n")], small), "05") == []
    code = {"exercise": "q1", "kind": "code"}
    assert copyable(nb_with([stream("81.83\n")], code), "05") == []
    assert copyable(nb_with([stream("81.83\n")], NUM), "00") == []  # 00's warm-up q1 is exempt


def test_an_exercise_never_checked_is_reported():
    assert "no cell calls q1.check(" in copyable(nb_with([], NUM, check_src="print(1)"), "05")[0]
