"""The one definition of what is personal: the child's facts the system holds, and every key logs must redact.

A child's personal facts are kept only in the `cases` table: never in the audit trail's chained payload, the
outbox, a log line, a Prefect run or an error message. Free text (views, notes, reasons) is treated the same way.
"""

from __future__ import annotations

__all__ = ["CHILD_PERSONAL_FIELDS", "PERSONAL_DATES", "PERSONAL_KEYS"]

# Dates that identify the child; a case keeps them in its own columns (they anchor pre-birth and age rules).
PERSONAL_DATES = frozenset({"date_of_birth", "expected_delivery_date"})

# Every personal fact a trigger can carry about the child: never audited, never repeated in an error.
CHILD_PERSONAL_FIELDS = PERSONAL_DATES | frozenset({"child_id", "sex", "upn"})

# Keys a log event may never show the value of (matched lower-cased, at any depth): the child's facts above,
# names, contact details and free text written about a child or family.
PERSONAL_KEYS = CHILD_PERSONAL_FIELDS | frozenset(
    {
        "name",
        "first_name",
        "last_name",
        "full_name",
        "given_name",
        "family_name",
        "surname",
        "child_name",
        "dob",
        "birth_date",
        "address",
        "postcode",
        "post_code",
        "street",
        "phone",
        "telephone",
        "mobile",
        "phone_number",
        "email",
        "email_address",
        "nhs_number",
        "free_text",
        "text",
        "notes",
        "note",
        "comment",
        "comments",
        "description",
        "views",
        "child_views",
        "details",
        "narrative",
        "shared_with_conference",
    }
)
