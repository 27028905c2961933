"""The foundation wires together: the API answers for a person in scope."""


def test_compliance_answers_for_a_person_with_hours(client, make_person, make_staff, add_hours, bearer):
    person = make_person()
    add_hours(person, 2025, general_public="10", industry_public="8", professional="72")
    staff = make_staff("hr_admin")
    response = client.get(f"/api/v1/people/{person.id_number}/compliance?from=2025&to=2025", **bearer(staff))
    assert response.status_code == 200, response.content
    year = response.json()["years"][0]
    assert (year["public"], year["professional"], year["total"], year["qualified"]) == ("18.0", "72.0", "90.0", True)
