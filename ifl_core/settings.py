"""Run settings: one validated pydantic model for everything an IFL run needs."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ifl_core.errors import ConfigError


class RunSettings(BaseModel):
    """Settings of one IFL run.

    Plugin names are resolved against the plugin registry; the ``*_params`` mappings
    are validated by each plugin's own parameter model. Unknown fields are rejected.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    clusterer: str = Field("dec", description="deep clusterer plugin")
    clusterer_params: dict[str, Any] = Field(default_factory=dict)
    n_clusters: int = Field(..., ge=2, description="number of clusters s")
    n_folds: int = Field(10, ge=2, description="number of inner folds r")
    fold_strategy: str | None = Field(
        None,
        description="fold strategy plugin; default: stratified with labels, else kfold",
    )
    fold_params: dict[str, Any] = Field(default_factory=dict)
    tracker: str | None = Field(
        None,
        description=(
            "cluster tracker plugin; default: labels with labels, else hungarian"
        ),
    )
    tracker_params: dict[str, Any] = Field(default_factory=dict)
    metrics: list[str] = Field(
        default_factory=lambda: ["confidence", "weight"],
        description="error metric plugins, in output column order",
    )
    metric_params: dict[str, dict[str, Any]] = Field(default_factory=dict)
    seed: int = Field(0, ge=0, description="seed of the fold split and every model")
    device: str = Field("auto", description="auto, cpu, cuda or cuda:N")


def format_validation_error(exc: ValidationError, prefix: str = "") -> str:
    """One line per invalid field: ``field: message (got value)``."""
    lines = []
    for err in exc.errors():
        where = ".".join(str(part) for part in err["loc"]) or "settings"
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "unknown setting"
        got = err.get("input")
        suffix = f" (got {got!r})" if err["type"] != "missing" and not isinstance(
            got, dict
        ) else ""
        lines.append(f"{prefix}{where}: {message}{suffix}")
    return "; ".join(lines)


def make_settings(values: dict[str, Any]) -> RunSettings:
    """Build :class:`RunSettings`, turning validation errors into
    :class:`ConfigError`."""
    try:
        return RunSettings(**values)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc)) from None
