"""/readyz checks the embedded broker by writing where a publish writes, so it fails when publishing would."""

import pytest

from complywise.celery import BROKER_ERRORS
from complywise.celery import app as celery_app
from tests.scans.worker_support import broker

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_folders(tmp_path):
    folders = {name: tmp_path / name for name in ("queue", "processed", "control")}
    for folder in folders.values():
        folder.mkdir()
    return folders


def _options(folders, *, out=None):
    return {
        "data_folder_in": str(folders["queue"]),
        "data_folder_out": str(out or folders["queue"]),
        "processed_folder": str(folders["processed"]),
        "control_folder": str(folders["control"]),
        "store_processed": False,
    }


def test_readyz_is_ok_when_the_embedded_broker_can_write_and_leaves_nothing_behind(client, broker_folders):
    # given a working embedded broker
    with broker("filesystem://", _options(broker_folders)):
        # when readiness is probed
        response = client.get("/readyz")
    # then the broker is ok, and the probe left no file a worker could take for a task
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["broker"] == "ok"
    assert [p for folder in broker_folders.values() for p in folder.iterdir()] == []


@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
def test_readyz_is_503_when_publishing_to_the_embedded_broker_fails(client, broker_folders, tmp_path):
    # given an embedded broker whose outgoing "folder" is a regular file
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with broker("filesystem://", _options(broker_folders, out=blocker)):
        # (publishing really fails there)
        with pytest.raises(BROKER_ERRORS):
            celery_app.send_task("scans.reap_stale")
        # when readiness is probed
        response = client.get("/readyz")
    # then it says the broker is not ready, as a 503
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["checks"]["broker"].startswith("error: ")
    assert response.json()["checks"]["database"] == "ok"


def test_readyz_is_503_when_the_queue_folder_is_gone(client, broker_folders):
    # given an embedded broker whose folders were removed under it
    for folder in broker_folders.values():
        folder.rmdir()
    with broker("filesystem://", _options(broker_folders)):
        # when readiness is probed
        response = client.get("/readyz")
    # then 503 naming the broker
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "error: FileNotFoundError"
