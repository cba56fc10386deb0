from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from videos.webhooks import provider_webhook

admin.site.site_header = "MarketOS Video administration"
admin.site.site_title = "MarketOS Video"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "account/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
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
