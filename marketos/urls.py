from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from common.http_methods import limit_methods
from videos.webhooks import provider_webhook
from workspaces import joining
from workspaces.forms import NewPasswordForm, PasswordResetByEmailForm

admin.site.site_header = "MarketOS Video administration"
admin.site.site_title = "MarketOS Video"
# A dead share link's guest is told plainly what to do; every other 404 gets 404.html.
handler404 = "review.share.not_found"

urlpatterns = [
    path("login/", joining.LogInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", joining.signup, name="signup"),
    path("account/", joining.account, name="account"),
    path("account/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "account/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    # A forgotten password: a link e-mailed to the account's address sets a new one.
    path(
        "account/reset/",
        joining.ForgottenPasswordView.as_view(
            form_class=PasswordResetByEmailForm,
            email_template_name="registration/password_reset_email.txt",
        ),
        name="password_reset",
    ),
    path(
        "account/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            extra_context={"reset_hours": settings.PASSWORD_RESET_TIMEOUT // 3600}
        ),
        name="password_reset_done",
    ),
    path(
        "account/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(form_class=NewPasswordForm),
        name="password_reset_confirm",
    ),
    path(
        "account/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("admin/", admin.site.urls),
    path("webhooks/<slug:provider>/", provider_webhook, name="provider_webhook"),
    path("", include("workspaces.urls")),
    path("", include("review.guest_urls")),
    # Before videos: its catch-all clip actions (clips/<n>/<kind>/) would take review's URLs.
    path("", include("review.urls")),
    path("", include("videos.urls")),
    path("", include("spend.urls")),
    path("", include("brand.urls")),
    path("", include("inbox.urls")),
    path("", include("campaigns.urls")),
    path("", include("common.urls")),
]
# Every view answers only the methods it handles (405 with Allow to any other).
limit_methods(urlpatterns)
