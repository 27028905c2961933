"""Run inside an installation (`SeparateDatabase.run_script`): prints what a backup or rotation must keep."""

import hashlib
import json

from django.contrib.auth import get_user_model
from django.core.files.storage import storages
from django.utils import timezone

from cehours.api.schemas import year_out
from cehours.audit.models import AuditEvent
from cehours.declarations.models import Declaration, Evidence
from cehours.learning.models import CoursewareItem
from cehours.ledger.selectors import person_compliance
from cehours.people.crypto import id_number_hash, key_fingerprint
from cehours.people.models import Person

this_year = timezone.localdate().year
people = list(Person.objects.order_by("pk"))
# Looked up by ID number the way intake and the API do: through the keyed lookup hash.
found = {
    p.pk: Person.objects.filter(id_number_hash=id_number_hash(p.id_number)).values_list("pk", flat=True).first()
    for p in people
}
print(
    json.dumps(
        {
            "fingerprint": key_fingerprint(),
            "id_numbers": {str(p.pk): p.id_number for p in people},
            "found_by_id_number": {str(k): v for k, v in found.items()},
            "compliance": {
                str(p.pk): [year_out(row) for row in person_compliance(p, this_year - 2, this_year)] for p in people[:5]
            },
            "accounts": sorted(get_user_model().objects.values_list("username", "password", "is_active")),
            "declarations": sorted(Declaration.objects.values_list("pk", "status", "hours", "title")),
            "evidence": {
                str(e.pk): [e.sha256, hashlib.sha256(e.file.open("rb").read()).hexdigest()]
                for e in Evidence.objects.order_by("pk")
            },
            "courseware": {
                str(item.pk): [
                    item.sha256,
                    hashlib.sha256(storages["courseware"].open(item.file_name).read()).hexdigest(),
                ]
                for item in CoursewareItem.objects.order_by("pk")
            },
            "audit_actions": list(AuditEvent.objects.order_by("seq").values_list("action", flat=True)),
        },
        default=str,
        ensure_ascii=False,
    )
)
