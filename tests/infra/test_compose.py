"""Structure of docker-compose.yml and infra/docker/Dockerfile, checked without a Docker engine."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "infra" / "docker" / "Dockerfile"
INFRA = ("kafka", "elasticsearch", "postgres", "mailpit")
ROLES = ("tagger", "indexer", "alerter", "web", "scheduler")
ONE_SHOT = ("migrate",)  # euradar commands that run once before the roles


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def _env(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def test_all_services_present(services):
    assert set(INFRA) | set(ROLES) | set(ONE_SHOT) <= set(services)


def test_infrastructure_images_are_pinned(services):
    for name in INFRA:
        image = services[name]["image"]
        repo, _, tag = image.rpartition(":")
        assert repo and tag and tag != "latest" and re.search(r"\d+\.\d+", tag), image
    assert services["kafka"]["image"].startswith("apache/kafka:4.")
    assert services["elasticsearch"]["image"].startswith(
        "docker.elastic.co/elasticsearch/elasticsearch:9.")
    assert services["postgres"]["image"].startswith("postgres:15.")  # as Debian 12 (CI) ships


def test_infrastructure_has_healthchecks(services):
    for name in INFRA:
        hc = services[name].get("healthcheck")
        assert hc and hc.get("test") and hc.get("retries"), name
    assert "_cluster/health" in " ".join(services["elasticsearch"]["healthcheck"]["test"])
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])


def test_postgres_is_the_store_with_a_volume_of_its_own(services):
    env = _env(services["postgres"])
    assert env["POSTGRES_DB"] == "euradar" and env["POSTGRES_USER"] == "euradar"
    assert env["POSTGRES_PASSWORD"]  # the image refuses to start without one
    assert any(str(v).endswith(":/var/lib/postgresql/data") for v in services["postgres"]["volumes"])


def test_kafka_is_single_node_kraft(services):
    env = _env(services["kafka"])
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "1"
    assert "PLAINTEXT://kafka:19092" in env["KAFKA_ADVERTISED_LISTENERS"]


def test_elasticsearch_single_node_without_security_for_local_use(services):
    env = _env(services["elasticsearch"])
    assert env["discovery.type"] == "single-node"
    assert env["xpack.security.enabled"] == "false"


def test_every_published_port_is_bound_to_loopback(services):
    for name, svc in services.items():
        for port in svc.get("ports", []):
            spec = port if isinstance(port, str) else f"{port.get('host_ip')}:{port.get('published')}"
            assert spec.startswith("127.0.0.1:"), f"{name}: {port}"


def test_roles_use_the_one_image_with_their_own_command(services):
    dockerfiles = {services[r]["build"]["dockerfile"] for r in ROLES + ONE_SHOT}
    assert dockerfiles == {"infra/docker/Dockerfile"}
    assert len({services[r]["image"] for r in ROLES + ONE_SHOT}) == 1
    commands = {r: services[r]["command"] for r in ROLES + ONE_SHOT}
    assert commands["migrate"] == ["euradar", "migrate"]
    assert services["migrate"]["restart"] == "no"  # a one-shot job, not a service to keep up
    assert commands["tagger"] == ["euradar", "consume", "tagger"]
    assert commands["indexer"] == ["euradar", "consume", "indexer"]
    assert commands["alerter"] == ["euradar", "consume", "alerter"]
    assert commands["web"] == ["euradar", "serve"]
    assert commands["scheduler"][:2] == ["euradar", "run"]


def test_dependencies_wait_for_healthy_services(services):
    needs = {"tagger": {"kafka", "postgres"}, "indexer": {"kafka", "elasticsearch", "postgres"},
             "alerter": {"kafka", "mailpit", "postgres"},
             "web": {"kafka", "elasticsearch", "postgres"},
             "scheduler": {"kafka", "elasticsearch", "mailpit", "postgres"},
             "migrate": {"postgres"}}
    for role, wanted in needs.items():
        deps = services[role]["depends_on"]
        assert wanted <= set(deps), role
        for dep in deps:
            if dep in ONE_SHOT:  # waited for until it has finished, not until healthy
                assert deps[dep]["condition"] == "service_completed_successfully", (role, dep)
                continue
            assert deps[dep]["condition"] == "service_healthy", (role, dep)
            assert services[dep].get("healthcheck"), f"{dep} has no healthcheck to wait for"
    for role in ROLES:  # the schema is migrated before any role touches the store
        assert services[role]["depends_on"]["migrate"]["condition"] == \
            "service_completed_successfully", role


def test_environment_urls_point_at_the_compose_services(services):
    kafka_port = _env(services["kafka"])["KAFKA_ADVERTISED_LISTENERS"].split("kafka:")[1].split(",")[0]
    pg_env = _env(services["postgres"])
    for role in ROLES + ONE_SHOT:
        env = _env(services[role])
        bus = urlparse(env["EURADAR_BUS"])
        assert bus.scheme == "kafka" and bus.hostname == "kafka" and str(bus.port) == kafka_port
        index = urlparse(env["EURADAR_INDEX"])
        assert (index.scheme, index.hostname, index.port) == ("http", "elasticsearch", 9200)
        notifier = urlparse(env["EURADAR_NOTIFIER"])
        assert (notifier.scheme, notifier.hostname, notifier.port) == ("smtp", "mailpit", 1025)
        store = urlparse(env["EURADAR_STORE"])
        assert (store.scheme, store.hostname, store.port) == ("postgresql", "postgres", 5432)
        assert store.username == pg_env["POSTGRES_USER"] and store.path == f"/{pg_env['POSTGRES_DB']}"
        # one password, given once: the role's URL and the server use the same variable
        assert store.password == pg_env["POSTGRES_PASSWORD"] == "${EURADAR_POSTGRES_PASSWORD:-euradar}"
        assert env["EURADAR_DATA_DIR"] == "/data"
    web = _env(services["web"])
    assert web["EURADAR_WEB_PORT"] == "8765"
    assert any(str(p).endswith(":8765:8765") for p in services["web"]["ports"])


def test_compose_urls_are_accepted_by_the_backends(services):
    from euradar.core.registry import STORES, load, open_bus, open_index
    from euradar.infra.store.postgres import parse_url

    env = _env(services["indexer"])
    bus, index = open_bus(env["EURADAR_BUS"]), open_index(env["EURADAR_INDEX"])  # no network
    assert bus.partitions == 6 and bus.retention_ms == 1209600000
    assert index.alias == "euradar-items"
    assert index.refresh is False  # the indexer does not wait for a refresh per bulk
    index.close()
    store_url = env["EURADAR_STORE"].replace("${EURADAR_POSTGRES_PASSWORD:-euradar}", "euradar")
    scheme = urlparse(store_url).scheme
    assert load(STORES[scheme]).__name__ == "PostgresStore"
    assert parse_url(store_url) == ("postgresql://euradar:euradar@postgres:5432/euradar", True)


def test_commands_exist_in_the_cli(services):
    from euradar.cli.main import build_parser

    parser = build_parser()
    missing = []
    for role in ROLES + ONE_SHOT:
        argv = services[role]["command"][1:]
        try:
            parser.parse_args(argv)
        except SystemExit:
            missing.append(" ".join(argv))
    assert not missing, f"not accepted by the euradar CLI: {missing}"


def test_dockerfile_builds_from_python_slim_with_the_extras():
    text = DOCKERFILE.read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", text, re.M)
    install = [line for line in text.splitlines() if "pip install" in line]
    assert install and ".[kafka,es,postgres]" in install[0]
    assert re.search(r"^USER (?!root)\S+", text, re.M), "runs as root"
    cmd = re.search(r"^CMD (.+)$", text, re.M)
    assert cmd and cmd.group(1).startswith('["euradar"')
    for package in ("euradar", "crawlers", "consumers", "alerts", "nlp", "infra", "web"):
        assert re.search(rf"^COPY {package} ", text, re.M), package
