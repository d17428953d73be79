from django.urls import path

from rukhsa.accounts import views

app_name = "accounts"
urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("signup/names/", views.signup_names, name="signup_names"),
    path("signup/contact/", views.signup_contact, name="signup_contact"),
    path("verify/mobile/", views.verify_mobile, name="verify_mobile"),
    path("verify/email/", views.verify_email, name="verify_email"),
    path("verify/email/<str:token>/", views.verify_email_link, name="verify_email_link"),
    path("login/", views.login_view, name="login"),
    path("check/", views.challenge, name="challenge"),
    path("logout/", views.logout_view, name="logout"),
    path("recover/", views.recover, name="recover"),
    path("recover/code/", views.recover_code, name="recover_code"),
    path("recover/link/<str:token>/", views.recover_link, name="recover_link"),
    path("recover/new-password/", views.recover_new_password, name="recover_new_password"),
    path("profile/", views.profile, name="profile"),
    path("profile/edit/", views.profile_edit, name="profile_edit"),
    path("profile/mobile/", views.change_mobile, name="change_mobile"),
    path("profile/email/", views.change_email, name="change_email"),
    path("profile/email/<str:token>/", views.change_email_link, name="change_email_link"),
    path("profile/contact/confirm/<str:field>/", views.confirm_contact, name="confirm_contact"),
    path("profile/password/", views.change_password, name="change_password"),
]
