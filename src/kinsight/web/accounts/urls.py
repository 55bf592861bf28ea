from django.urls import path

from kinsight.web.accounts import views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.sign_in, name="sign-in"),
    path("sign-in/sso/", views.sso_start, name="sso-start"),
    path("sign-in/sso/callback/", views.sso_callback, name="sso-callback"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("users/", views.users, name="users"),
    path("users/<int:account_id>/role/", views.set_role, name="set-role"),
]
