"""Configuration: ``newsmirror.toml`` read, validated and turned into typed records."""

from ..errors import ConfigError
from ._edit import (
    added_sources_text,
    enabled_source_text,
    removed_source_text,
    renamed_source_text,
    source_with_url,
    unique_name,
    write_config,
)
from ._filters import FILTER_FIELDS, Pattern, parse_pattern
from ._load import CONFIG_NAME, OPENCC_CONVERSIONS, load_config, parse_config
from ._model import Config, FullText, IdKey, ImageMode, Listing, Rule, SiteSettings, Source
from ._rules import parse_rules

__all__ = [
    "CONFIG_NAME",
    "FILTER_FIELDS",
    "OPENCC_CONVERSIONS",
    "Config",
    "ConfigError",
    "FullText",
    "IdKey",
    "ImageMode",
    "Listing",
    "Pattern",
    "Rule",
    "SiteSettings",
    "Source",
    "added_sources_text",
    "enabled_source_text",
    "load_config",
    "parse_config",
    "parse_pattern",
    "parse_rules",
    "removed_source_text",
    "renamed_source_text",
    "source_with_url",
    "unique_name",
    "write_config",
]
