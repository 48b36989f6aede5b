"""Departments and divisions pages."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import selectors


@login_required
def departments(request: HttpRequest) -> HttpResponse:
    """Departments with their territory and responsibilities, and the divisions by county."""
    return render(request, "regions/departments.html", {
        "departments": selectors.department_list(user=request.user),
        "territories": selectors.division_list(level="county").filter(active=True)
        | selectors.division_list(level="zone"),
    })
