"""Django views for a small team wiki: pages, search, profiles, admin actions."""

import re

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views import View
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from .models import Page, Profile

EDITABLE_PROFILE_FIELDS = ("display_name", "bio", "timezone")


def search(request):
    term = request.GET.get("q", "")
    with connection.cursor() as cur:
        cur.execute("SELECT id, title FROM wiki_page WHERE title LIKE '%%%s%%'" % term)  # expect: sql-injection
        hits = cur.fetchall()
        cur.execute("SELECT id, title FROM wiki_page WHERE title LIKE %s", ["%" + term + "%"])  # safe: sql-injection
        hits += cur.fetchall()
    return JsonResponse({"hits": hits})


def pages_by_author(request):
    author = request.GET["author"]
    pages = Page.objects.raw("SELECT * FROM wiki_page WHERE author = '%s'" % author)  # expect: sql-injection
    same = Page.objects.raw("SELECT * FROM wiki_page WHERE author = %s", [author])  # safe: sql-injection
    return render(request, "pages.html", {"pages": list(pages) + list(same)})


def pages_ordered(request):
    order = request.GET.get("order", "title")
    pages = Page.objects.extra(where=["title LIKE '" + order + "%'"])  # expect: sql-injection
    ordered = Page.objects.order_by("title" if order != "date" else "-updated")  # safe: sql-injection
    return render(request, "pages.html", {"pages": list(pages) + list(ordered)})


def page_view(request, slug):
    page = get_object_or_404(Page, slug=slug)
    footer = mark_safe("<hr><small>Team wiki</small>")  # safe: xss
    title = request.GET.get("highlight", "")
    heading = mark_safe("<h1>" + title + "</h1>")  # expect: xss
    safe_heading = format_html("<h1>{}</h1>", title)  # safe: xss
    return render(request, "page.html", {"page": page, "footer": footer, "heading": heading, "h2": safe_heading})


def raw_preview(request):
    text = request.POST.get("text", "")
    return HttpResponse("<div class='preview'>" + text + "</div>")  # expect: xss


def json_preview(request):
    text = request.POST.get("text", "")
    return JsonResponse({"preview": text})  # safe: xss


@method_decorator(csrf_exempt, name="dispatch")  # expect: csrf
class PageDeleteView(View):
    def post(self, request, slug):
        get_object_or_404(Page, slug=slug).delete()
        return redirect("/")


@method_decorator([login_required, csrf_protect], name="dispatch")  # safe: csrf
class PageArchiveView(View):
    def post(self, request, slug):
        Page.objects.filter(slug=slug).update(archived=True)
        return redirect("/")


@login_required
def update_profile(request):
    profile = Profile.objects.get(user=request.user)
    for key, value in request.POST.items():
        setattr(profile, key, value)  # expect: mass-assignment
    profile.save()
    return redirect("/profile")


@login_required
def update_profile_safe(request):
    profile = Profile.objects.get(user=request.user)
    for key in EDITABLE_PROFILE_FIELDS:
        if key in request.POST:
            setattr(profile, key, request.POST[key])  # safe: mass-assignment
    profile.save()
    return redirect("/profile")


@login_required
def create_profile(request):
    Profile.objects.create(user=request.user, **request.POST.dict())  # expect: mass-assignment
    Profile.objects.filter(user=request.user).update(bio=request.POST.get("bio", ""))  # safe: mass-assignment
    return redirect("/profile")


def after_login(request):
    target = request.GET.get("next", "/")
    return HttpResponseRedirect(target)  # expect: open-redirect


def after_login_safe(request):
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=True):
        target = "/"
    return HttpResponseRedirect(target)  # safe: open-redirect


def find_tag(request):
    pattern = request.GET.get("pattern", "")
    found = [p.title for p in Page.objects.all() if re.search(pattern, p.body)]  # expect: redos
    literal = [p.title for p in Page.objects.all() if re.search(re.escape(pattern), p.body)]  # safe: redos
    return JsonResponse({"found": found, "literal": literal})
