"""Routes for referrals, screening, consent and allocation."""

from django.urls import path

from divert.referrals import views

app_name = "referrals"

urlpatterns = [
    path("children/<id:child_id>/referrals/new/", views.new_referral, name="new"),
    path("children/<id:child_id>/allocate/", views.allocate, name="allocate"),
    path("referrals/<id:referral_id>/screen/", views.screen, name="screen"),
    path("referrals/<id:referral_id>/offer/", views.offer, name="offer"),
    path("referrals/<id:referral_id>/consent/", views.consent, name="consent"),
    path("episodes/<id:episode_id>/withdraw/", views.withdraw, name="withdraw"),
    path("children/<id:child_id>/details/", views.correct_details, name="correct_details"),
    path("referrals/<id:referral_id>/decide/", views.decide, name="decide"),
    path("queue/", views.queue, name="queue"),
]
