"""How an addition joins moto: its methods set on moto's response class for the service."""

from __future__ import annotations


def add_methods(source: type, responder: type) -> None:
    """Set each public method ``source`` defines on ``responder``, where moto's dispatch finds it by the action's
    name (``GetServiceSetting`` -> ``get_service_setting``)."""
    for name, method in vars(source).items():
        if callable(method) and not name.startswith("_"):
            setattr(responder, name, method)
