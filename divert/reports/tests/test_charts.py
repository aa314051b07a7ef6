"""The pack's charts: the same chart draws the same bytes, with nothing the page's CSP refuses."""

from divert.reports.charts import chart_svg

TREND = {"key": "trend.kpi6", "kind": "trend", "unit": "proportion", "title": "KPI 6: trend",
         "alt": 'KPI 6 <trend> & "rates"',
         "series": [{"name": "KPI 6", "points": [{"x": f"2024-25 Q{i}", "y": None if i == 3 else i / 10}
                                                  for i in range(1, 5)]}]}
STAGES = {"key": "stages.disproportionality.sex", "kind": "stages", "unit": "proportion", "title": "By sex",
          "alt": "By sex",
          "series": [{"name": g, "points": [{"x": s, "y": None if g == "Female" and s == "Engaged" else 0.5}
                                            for s in ("Referred", "Engaged")]} for g in ("Female", "Male")]}


def test_a_chart_is_drawn_the_same_every_time():
    assert chart_svg(TREND) == chart_svg(TREND)
    assert chart_svg(STAGES, responsive=True) == chart_svg(STAGES, responsive=True)


def test_a_chart_has_its_text_alternative_and_no_inline_style_or_date():
    svg = chart_svg(TREND)
    assert svg.startswith('<svg role="img" aria-label="KPI 6 &lt;trend> &amp; &quot;rates&quot;"')
    assert "style=" not in svg and "<style" not in svg and "<metadata" not in svg and "dc:date" not in svg
    assert "http://" not in svg.replace("http://www.w3.org/", "")  # nothing fetched
    assert "2024-25 Q1" in svg  # text stays text


def test_charts_on_one_page_do_not_share_ids():
    ids = lambda svg: {part.split('"')[0] for part in svg.split(' id="')[1:]}  # noqa: E731
    assert not ids(chart_svg(TREND)) & ids(chart_svg(STAGES))


def test_a_responsive_chart_fits_the_page_and_a_printed_one_keeps_its_size():
    assert 'width="100%"' in chart_svg(TREND, responsive=True)
    assert 'width="468pt"' in chart_svg(TREND)
