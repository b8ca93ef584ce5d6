from django.urls import path

from accounts import views, views_invitation, views_members

app_name = "accounts"

urlpatterns = [
    path("roles/", views.roles, name="roles"),
    path("roles/<int:membership_pk>/choisir/", views.role_switch, name="role_switch"),
    path(
        "invitation/<str:token>/",
        views_invitation.invitation_accept_view,
        name="invitation_accept",
    ),
    path("membres/", views_members.members, name="members"),
    path("membres/inviter/", views_members.member_invite, name="member_invite"),
    path("membres/<int:pk>/revoquer/", views_members.member_revoke, name="member_revoke"),
    path(
        "membres/invitations/<int:pk>/annuler/",
        views_members.invitation_cancel_view,
        name="invitation_cancel",
    ),
]
