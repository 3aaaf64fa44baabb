"""Curated knowledge: drugs, alterations and their variant rules, mechanisms, evidence."""

from her2resist.knowledge.catalogue import Catalogue, load_catalogue

__all__ = ["Catalogue", "load_catalogue"]
