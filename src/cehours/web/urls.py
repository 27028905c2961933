"""Page URLs."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import account, audit, catalogue, declarations, exchange, oversight, overview, privacy, seminars, systems, views
from .rules import rules as rule_versions

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", account.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/otp/", account.otp_verify, name="account-otp"),
    path("account/otp/enrol/", account.otp_enrol, name="account-otp-enrol"),
    path("account/password/", account.password_change, name="account-password"),
    path("account/tokens/", account.tokens, name="account-tokens"),
    path("account/tokens/revoke/", account.token_revoke_view, name="account-token-revoke"),
    path("me/", views.my_hours, name="my-hours"),
    path("me/entries/", views.my_entries, name="my-entries"),
    path("people/", views.people, name="people"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("people/<int:pk>/entries/", views.person_entries_page, name="person-entries"),
    path("people/<int:pk>/eligibility/", views.person_eligibility_page, name="person-eligibility"),
    path("declarations/", declarations.my_declarations, name="declarations"),
    path("declarations/<int:pk>/", declarations.declaration_detail, name="declaration"),
    path("declarations/<int:pk>/act/", declarations.declaration_person_action, name="declaration-act"),
    path("declarations/<int:pk>/decide/", declarations.declaration_decide_view, name="declaration-decide"),
    path("declarations/<int:pk>/integrity/", oversight.integrity_new, name="integrity-new"),
    path("evidence/<int:pk>/", declarations.evidence_file, name="evidence"),
    path("review/", declarations.review, name="review"),
    path("spot-checks/", oversight.spot_checks, name="spot-checks"),
    path("spot-checks/<int:pk>/", oversight.spot_check, name="spot-check"),
    path("spot-checks/items/<int:pk>/", oversight.spot_check_item, name="spot-check-item"),
    path("integrity/<int:pk>/lift/", oversight.integrity_lift_view, name="integrity-lift"),
    path("audit/", audit.audit_trail, name="audit"),
    path("privacy/reads/", privacy.reads, name="privacy-reads"),
    path("overview/", overview.overview, name="overview"),
    path("catalogue/", catalogue.catalogue, name="catalogue"),
    path("rules/", rule_versions, name="rules"),
    path("seminars/", seminars.seminars, name="seminars"),
    path("seminars/<int:pk>/decide/", seminars.seminar_decision, name="seminar-decide"),
    path("seminars/<int:pk>/attendees/", seminars.seminar_attendees, name="seminar-attendees"),
    path("seminars/attendee-lists/<int:pk>/", seminars.attendee_list, name="attendee-list"),
    path("systems/", systems.systems, name="systems"),
    path("systems/<slug:code>/rotate/", systems.rotate, name="system-rotate"),
    path("systems/<slug:code>/revoke/", systems.revoke, name="system-revoke"),
    path("exchange/", exchange.exchange, name="exchange"),
    path("exchange/export/", exchange.export, name="exchange-export"),
    path("exchange/import/", exchange.import_file, name="exchange-import"),
]
