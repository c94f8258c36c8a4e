"""The property as the World Heritage Committee sees it: criteria, attributes, factors,
corrective measures, benchmarks, decisions, missions; and the components of monuments."""
