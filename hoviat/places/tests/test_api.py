def test_the_api_lists_all_provinces_by_code(client, loaded):
    response = client.get("/api/v1/places/provinces")
    assert response.status_code == 200
    body = response.json()
    assert len(body) == 31
    assert [p["code"] for p in body] == sorted(p["code"] for p in body)
    bushehr = next(p for p in body if p["code"] == "IR-06")
    assert bushehr == {
        "code": "IR-06",
        "name_fa": "بوشهر",
        "name_en": "Bushehr",
        "population_1395": 1163400,
    }


def test_the_api_lists_a_provinces_counties_with_their_prefixes(client, loaded):
    response = client.get("/api/v1/places/provinces/IR-06/counties")
    assert response.status_code == 200
    counties = {c["name_en"]: c for c in response.json()}
    assert len(counties) == 10
    assert counties["Bushehr"]["national_code_prefixes"] == ["349", "350"]
    assert counties["Asaluyeh"]["national_code_prefixes"] == []


def test_the_province_code_is_not_case_sensitive(client, loaded):
    assert client.get("/api/v1/places/provinces/ir-06/counties").status_code == 200


def test_an_unknown_province_is_a_404_problem(client, loaded):
    response = client.get("/api/v1/places/provinces/IR-99/counties")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "PROVINCE_NOT_FOUND"


def test_the_api_lists_a_provinces_cities_with_its_capital(client, loaded):
    response = client.get("/api/v1/places/provinces/IR-32/cities")
    assert response.status_code == 200
    capitals = [c["name_en"] for c in response.json() if c["is_provincial_capital"]]
    assert capitals == ["Karaj"]
