import pytest


def test_healthz_answers_json_with_database_and_queue(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "ok" and data["database"] == "ok" and data["queue"] == "ok"


def test_home_for_anonymous_is_the_welcome_page(client, db):
    response = client.get("/")
    assert "民有所呼，我有所应" in response.content.decode()


@pytest.mark.parametrize("persona", ["worker", "staff", "leader", "admin", "volunteer", "partner", "resident"])
def test_every_role_has_a_home_page(client_for, users, persona):
    response = client_for(users[persona]).get("/")
    assert response.status_code == 200
    assert users[persona].display_name in response.content.decode()
