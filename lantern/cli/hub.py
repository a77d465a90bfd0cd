"""``lantern hub …``: the deconfliction hub, run by a regional center (lantern/hub/)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from lantern.cli.options import fail, get_settings
from leads.text import one_line

app = typer.Typer(help="The deconfliction hub: pointers between agencies, never their targets.")
agency = typer.Typer(help="Agencies registered at this hub.")
app.add_typer(agency, name="agency")


def _hub() -> tuple[Any, Any, str]:
    from lantern.hub.store import ensure
    from leads.audit import current_user
    from leads.store import StoreError, connect

    settings = get_settings()
    hub = settings.hub_side()
    try:
        es = connect(hub)
        ensure(es, hub)
    except StoreError as exc:
        fail(f"{exc} (the hub keeps its pointers in Elasticsearch)")
    return es, hub, current_user(settings)


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="default: LANTERN_HUB_HOST (127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="default: LANTERN_HUB_PORT (8700)")] = None,
) -> None:
    """Run the hub's HTTP API (until stopped)."""
    import ssl

    import uvicorn

    from lantern.hub.app import create_app
    from lantern.hub.store import HubError
    from leads.store import StoreError

    settings = get_settings()
    tls: dict[str, Any] = {}
    if settings.hub_tls_cert:
        tls = {
            "ssl_certfile": str(settings.hub_tls_cert),
            "ssl_keyfile": str(settings.hub_tls_key) if settings.hub_tls_key else None,
        }
        if settings.hub_tls_client_ca:
            tls |= {
                "ssl_ca_certs": str(settings.hub_tls_client_ca),
                "ssl_cert_reqs": ssl.CERT_REQUIRED,
            }
    elif settings.hub_tls_client_ca:
        fail("LANTERN_HUB_TLS_CLIENT_CA needs LANTERN_HUB_TLS_CERT (mutual TLS is TLS first)", 2)
    try:
        application = create_app(settings)
    except StoreError as exc:
        fail(f"{exc} (the hub keeps its pointers in Elasticsearch)")
    except HubError as exc:
        fail(str(exc))
    uvicorn.run(
        application,
        host=host or settings.hub_host,
        port=port or settings.hub_port,
        log_level="info",
        server_header=False,
        **tls,
    )


@app.command("purge")
def purge() -> None:
    """Delete expired pointers, operations and conflicts now (the hub also does it on
    its schedule, every LANTERN_HUB_PURGE_SECONDS)."""
    from lantern.hub.store import purge as run

    es, hub, _ = _hub()
    print(json.dumps(run(es, hub)))


@agency.command("add")
def agency_add(
    name: Annotated[str, typer.Argument(help="the agency's name")],
    contact: Annotated[str, typer.Option(help="the desk or person other agencies call")],
    webhook: Annotated[
        str | None, typer.Option(help="https URL told of each new conflict (its id only)")
    ] = None,
) -> None:
    """Register an agency; prints its id and its API key (shown once, stored hashed)."""
    from lantern.hub.store import HubError, add_agency

    es, hub, user = _hub()
    try:
        found, key = add_agency(es, hub, name, contact, user, webhook)
    except (HubError, ValueError) as exc:
        fail(str(exc), 2)
    print(f"agency: {found.id}")
    print(f"api key: {key}")
    print("give the key to the agency over a trusted channel; it is not shown again")


@agency.command("list")
def agency_list() -> None:
    """The registered agencies (never their keys)."""
    from lantern.hub.store import agencies

    es, hub, _ = _hub()
    for found in agencies(es, hub):
        state = "active" if found.active else "disabled"
        print(one_line(f"{found.id}  {state}  {found.name}  contact: {found.contact}"))


AgencyArg = Annotated[str, typer.Argument(help="the agency's id (see `hub agency list`)")]


@agency.command("disable")
def agency_disable(agency_id: AgencyArg) -> None:
    """Refuse an agency's key from now on (its pointers stop conflicting)."""
    _set_active(agency_id, False)


@agency.command("enable")
def agency_enable(agency_id: AgencyArg) -> None:
    """Accept a disabled agency's key again."""
    _set_active(agency_id, True)


def _set_active(agency_id: str, active: bool) -> None:
    from lantern.hub.store import HubError, set_active

    es, hub, user = _hub()
    try:
        set_active(es, hub, agency_id, active, user)
    except HubError as exc:
        fail(str(exc), 2)
    print(f"{agency_id}: {'enabled' if active else 'disabled'}")


@agency.command("rotate-key")
def agency_rotate_key(agency_id: AgencyArg) -> None:
    """Issue a new API key (the old one is refused from now on); prints it once."""
    from lantern.hub.store import HubError, rotate_key

    es, hub, user = _hub()
    try:
        key = rotate_key(es, hub, agency_id, user)
    except HubError as exc:
        fail(str(exc), 2)
    print(f"api key: {key}")
    print("give the key to the agency over a trusted channel; it is not shown again")
