"""DK Core's rules that the R4B models do not check, as a list of problems (empty: valid).

fhir.resources validates every element's type and cardinality against FHIR R4B; DK Core
(hl7.dk/fhir/core) adds, for what Brobygger sends:

- Patient: at most one CPR identifier (system urn:oid:1.2.208.176.1.2), its value ten
  digits whose first six are a day and month (DK Core's pattern); the dk-core-patient
  profile; a protected address never as an address, only as the security label "R".
- Organization: at most one SOR identifier (urn:oid:1.2.208.176.1.1), digits only.
- RelatedPerson, Practitioner, Organization: their dk-core profiles.
- Every reference inside the Bundle resolves to one of its entries.
- Codes from the fixed value sets Brobygger uses (gender, statuses).

The tests run it on every export; the export refuses to hand out a Bundle with problems.
"""

from __future__ import annotations

import re
from typing import Any

from .fhir import CONFIDENTIALITY, CPR_SYSTEM, PROFILES, SOR_SYSTEM

CPR_PATTERN = re.compile(r"^(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])\d{6}$")
SOR_PATTERN = re.compile(r"^\d{1,18}$")
GENDERS = {"male", "female", "other", "unknown"}
STATUSES = {
    "ServiceRequest": {"draft", "active", "on-hold", "revoked", "completed", "unknown"},
    "Appointment": {"booked", "fulfilled", "cancelled", "noshow"},
    "Encounter": {"finished"},
    "QuestionnaireResponse": {"completed"},
    "Consent": {"active", "inactive"},
}


def problems(bundle: dict[str, Any]) -> list[str]:
    """Each broken rule as a sentence naming the resource by type and id (never its data)."""
    found: list[str] = []
    entries = bundle.get("entry", [])
    urls = {entry["fullUrl"] for entry in entries}
    if len(urls) != len(entries):
        found.append("Bundle: two entries share a fullUrl")
    for entry in entries:
        resource = entry["resource"]
        kind = resource["resourceType"]
        name = f"{kind}/{resource.get('id')}"
        if entry["fullUrl"] != f"urn:uuid:{resource.get('id')}":
            found.append(f"{name}: fullUrl does not carry the id")
        profile = PROFILES.get(kind)
        if profile and profile not in resource.get("meta", {}).get("profile", []):
            found.append(f"{name}: lacks the profile {profile}")
        if kind in STATUSES and resource.get("status") not in STATUSES[kind]:
            found.append(f"{name}: status {resource.get('status')!r} is not allowed")
        if kind == "Patient":
            found.extend(_patient(name, resource))
        if kind == "Organization":
            sor = [i for i in resource.get("identifier", []) if i.get("system") == SOR_SYSTEM]
            if len(sor) > 1:
                found.append(f"{name}: more than one SOR identifier")
            if any(not SOR_PATTERN.match(i.get("value", "")) for i in sor):
                found.append(f"{name}: a SOR identifier is not digits")
        for reference in _references(resource):
            if reference.startswith("urn:uuid:") and reference not in urls:
                found.append(f"{name}: the reference {reference} is not in the Bundle")
    return found


def _patient(name: str, patient: dict[str, Any]) -> list[str]:
    found = []
    cprs = [i for i in patient.get("identifier", []) if i.get("system") == CPR_SYSTEM]
    if len(cprs) > 1:
        found.append(f"{name}: more than one CPR identifier")
    if any(not CPR_PATTERN.match(i.get("value", "")) for i in cprs):
        found.append(f"{name}: a CPR identifier does not match DK Core's pattern")
    if patient.get("gender", "unknown") not in GENDERS:
        found.append(f"{name}: gender is not one of {sorted(GENDERS)}")
    labels = patient.get("meta", {}).get("security", [])
    protected = any(s.get("system") == CONFIDENTIALITY and s.get("code") == "R" for s in labels)
    if protected and patient.get("address"):
        found.append(f"{name}: a protected address is exported")
    return found


def _references(value: Any) -> list[str]:
    """Every `reference` string anywhere in a resource."""
    if isinstance(value, dict):
        found = [value["reference"]] if isinstance(value.get("reference"), str) else []
        for item in value.values():
            found.extend(_references(item))
        return found
    if isinstance(value, list):
        return [r for item in value for r in _references(item)]
    return []
