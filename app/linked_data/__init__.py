"""Linked data: sites, monuments and their condition as CIDOC-CRM (Linked Art) JSON-LD and
Turtle, for aggregators and SPARQL stores."""
