"""Configuration: ``newsmirror.toml`` read, validated and turned into typed records."""

from ..errors import ConfigError
from ._edit import renamed_source_text
from ._load import CONFIG_NAME, OPENCC_CONVERSIONS, load_config, parse_config
from ._model import Config, FullText, IdKey, ImageMode, Listing, Rule, SiteSettings, Source
from ._rules import parse_rules

__all__ = [
    "CONFIG_NAME",
    "OPENCC_CONVERSIONS",
    "Config",
    "ConfigError",
    "FullText",
    "IdKey",
    "ImageMode",
    "Listing",
    "Rule",
    "SiteSettings",
    "Source",
    "load_config",
    "parse_config",
    "parse_rules",
    "renamed_source_text",
]
