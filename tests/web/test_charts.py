"""The server-rendered score chart."""

from datetime import UTC, datetime, timedelta

from web.charts import score_line_chart

START = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def test_chart_has_title_desc_axes_and_one_point_per_scan():
    # when
    svg = score_line_chart(
        [(START, 50.0), (START + timedelta(days=1), 75.0), (START + timedelta(days=2), 100.0)],
        chart_id="c1",
        title="SOC 2: score over time",
        desc="3 scans",
    )
    # then
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert 'aria-labelledby="c1-title c1-desc"' in svg
    assert '<title id="c1-title">SOC 2: score over time</title>' in svg
    assert svg.count('class="chart-point"') == 3
    assert svg.count("<polyline") == 1
    for label in ("0%", "50%", "100%", "1 Jan", "3 Jan"):
        assert f">{label}<" in svg
    assert "3 Jan 2026 12:00: 100%" in svg


def test_chart_escapes_text():
    svg = score_line_chart([(START, 10.0)], chart_id="c2", title="<script>x</script>", desc='"quoted" & more')
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg and "&amp; more" in svg


def test_unscored_scan_breaks_the_line_instead_of_reading_as_zero():
    svg = score_line_chart(
        [(START, 50.0), (START + timedelta(days=1), None), (START + timedelta(days=2), 60.0)],
        chart_id="c3",
        title="t",
        desc="d",
    )
    assert svg.count('class="chart-point"') == 2
    assert "<polyline" not in svg  # two single-point segments


def test_empty_and_single_point_charts():
    assert "No completed scans in this period" in score_line_chart([], chart_id="c4", title="t", desc="d")
    single = score_line_chart([(START, 80.0)], chart_id="c5", title="t", desc="d")
    assert single.count('class="chart-point"') == 1
