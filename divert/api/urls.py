"""API routes."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from divert.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("children", views.ChildViewSet, basename="child")
router.register("referrals", views.ReferralViewSet, basename="referral")
router.register("episodes", views.EpisodeViewSet, basename="episode")
router.register("sessions", views.SessionViewSet, basename="session")
router.register("contacts", views.ContactViewSet, basename="contact")
router.register("assessments", views.AssessmentViewSet, basename="assessment")
router.register("plans", views.PlanViewSet, basename="plan")
router.register("onward-referrals", views.OnwardReferralViewSet, basename="onward-referral")
router.register("checkpoints", views.CheckpointViewSet, basename="checkpoint")

urlpatterns = [
    path("schema/", views.SchemaView.as_view(), name="api-schema"),
    path("", include(router.urls)),
]
