from django.urls import path

from . import views, views_accounts

app_name = "org"

urlpatterns = [
    path("systems/overview/", views.systems_overview, name="systems"),
    path("systems/overview/apply/", views.systems_apply, name="systems_apply"),
    *[pattern for kind in views.KINDS for pattern in kind.urls()],
    # 账号与角色: the quality office's pages.
    path("accounts/", views_accounts.account_list, name="account_list"),
    path("accounts/add/", views_accounts.account_add, name="account_add"),
    path("accounts/bulk/", views_accounts.account_bulk, name="account_bulk"),
    path("accounts/bulk/export/", views_accounts.account_bulk_export, name="account_bulk_export"),
    path("accounts/<int:pk>/", views_accounts.account_detail, name="account_detail"),
    path("accounts/<int:pk>/grant/", views_accounts.account_grant, name="account_grant"),
    path("accounts/<int:pk>/password/", views_accounts.account_password, name="account_password"),
    path("accounts/<int:pk>/roles/<int:membership_pk>/revoke/", views_accounts.account_revoke,
         name="account_revoke"),
]
