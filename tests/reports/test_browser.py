"""The printable report in a real browser: chart, map and one table row per monument."""

from tests.factories import create_assessment, create_monument, create_site


def test_html_report_draws_its_chart_map_and_table(live_server, browser_page, database, tmp_path):
    site_id = create_site(database)
    monuments = [
        create_monument(database, site_id, name="Temple of Bel"),
        create_monument(
            database, site_id, name="Monumental Arch", type="arch", lat=34.5508, lon=38.2703
        ),
        create_monument(database, site_id, name="Agora", type="agora", lat=34.5505, lon=38.2665),
    ]
    create_assessment(database, monuments[0], status="verified", damage_level="destroyed")
    create_assessment(database, monuments[1], status="verified", damage_level="severe_damage")

    page = browser_page
    page.goto(f"{live_server}/api/v1/reports/sites/{site_id}/state-of-conservation?format=html")

    bars = page.locator("#damage-chart rect")
    assert bars.count() == 6
    widths = {
        page.locator("#damage-chart .bar").nth(i).get_attribute("data-level"): bars.nth(
            i
        ).bounding_box()["width"]
        for i in range(6)
    }
    assert widths["destroyed"] > 0 and widths["severe_damage"] > 0 and widths["unassessed"] > 0
    assert widths["possible_damage"] == 0
    dots = page.locator("#site-map circle.monument")
    assert dots.count() == 3
    assert all(dots.nth(i).is_visible() for i in range(3))
    assert page.locator("#monuments tbody tr").count() == 3
    screenshot = tmp_path / "state-of-conservation.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 10_000
