import json
from cehours.access.services import token_issue
def test_explore(client, make_person, make_staff, add_hours, bearer):
    p = make_person()
    add_hours(p, 2025, general_public="9", industry_public="9", professional="71.9")
    s = make_staff("hr_admin")
    h = bearer(s)
    for url in [
        f"/api/v1/people/{p.id_number}/compliance?from=2025&to=2025",
        f"/api/v1/people/{p.id_number}/compliance",
        f"/api/v1/people/{p.id_number}/compliance?from=abc",
        f"/api/v1/people/{p.id_number}/compliance?to=2101",
        f"/api/v1/people/{p.id_number}/compliance?from=1989",
        f"/api/v1/people/{p.id_number}/eligibility?application_year=2026",
        f"/api/v1/people/{p.id_number}/eligibility?application_year=2026&required_years=-1",
        f"/api/v1/people/{p.id_number}/eligibility?application_year=2026&required_years=3",
        f"/api/v1/people/{p.id_number}/entries?figure=bogus",
        f"/api/v1/people/{p.id_number}/entries?year=x",
        f"/api/v1/people/{p.id_number[:-1]}/entries",
        f"/api/v1/people/%20/entries",
    ]:
        r = client.get(url, **h)
        print(url, r.status_code, json.dumps(r.json(), ensure_ascii=False)[:1500])
    r = client.get(f"/api/v1/people/{p.id_number}/entries")
    print(r.status_code, r.content.decode())
    r = client.get(f"/api/v1/people/{p.id_number}/entries", HTTP_AUTHORIZATION="Bearer xyz")
    print(r.status_code, r.content.decode())
    assert 0
