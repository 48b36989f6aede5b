"""The synonym table as data: admins edit it (page, services, Django admin), the index goes stale and is rebuilt."""

from django_tasks_db.models import DBTaskResult

from zhitongche.catalog import index, services
from zhitongche.catalog.models import SearchState, SearchSynonym
from zhitongche.catalog.tests.conftest import csv_bytes
from zhitongche.core.models import AuditLog

HEADER = ["department", "main_item", "item_name", "item_code", "task_type", "area_code", "dept_code", "guide_url"]


def test_table_is_seeded_from_the_csv(db):
    from zhitongche.catalog.textproc import load_synonyms

    assert SearchSynonym.objects.count() == len({(s.colloquial, s.formal) for s in load_synonyms()}) >= 150
    assert SearchSynonym.objects.filter(colloquial="健康证", formal="预防性体检").exists()


def test_admin_adds_a_synonym_on_the_page_and_search_uses_it_after_the_rebuild(make_user, api, client):
    admin = make_user("admin")
    api(admin).post("/api/v1/imports", {"kind": "service_items", "file": csv_bytes(
        HEADER, [["鞍山市市场监督管理局", "", "个体工商户设立登记", "T-GT", "7", "", "", ""]])}, multipart=True)
    assert client.get("/api/v1/search", {"q": "鹦鹉螺"}).json()["results"] == []
    client.force_login(admin)
    tasks_before = DBTaskResult.objects.count()
    with_commit = client.post("/catalog/synonyms/", {"colloquial": "鹦鹉螺", "formal": "个体工商户设立登记", "note": ""})
    assert with_commit.status_code == 302
    state = SearchState.objects.get()
    assert state.stale and AuditLog.objects.filter(action="synonym.create").count() == 1
    page = client.get("/catalog/synonyms/").content.decode()
    assert "待重建" in page
    assert client.post("/catalog/reindex").status_code == 302
    assert not SearchState.objects.get().stale
    hits = client.get("/api/v1/search", {"q": "鹦鹉螺"}).json()["results"]
    assert hits and hits[0]["code"] == "T-GT"
    # the rebuild was also queued for `ztc worker` when the edit committed (tests run it inline above)
    assert DBTaskResult.objects.count() >= tasks_before


def test_edit_and_delete_mark_the_index_stale(make_user):
    admin = make_user("admin")
    row = services.synonym_create(actor=admin, colloquial="办个证", formal="许可")
    version = SearchState.objects.get().synonyms_version
    services.synonym_update(actor=admin, pk=row.pk, colloquial="办个证", formal="许可证")
    assert SearchState.objects.get().synonyms_version == version + 1
    services.synonym_delete(actor=admin, pk=row.pk)
    assert SearchState.objects.get().synonyms_version == version + 2
    assert list(AuditLog.objects.filter(object_type="catalog.searchsynonym").values_list("action", flat=True)
                .order_by("id")) == ["synonym.create", "synonym.update", "synonym.delete"]
    index.reindex()
    assert not SearchState.objects.get().stale


def test_bad_synonyms_are_refused_and_change_nothing(make_user, client):
    admin = make_user("admin")
    client.force_login(admin)
    before = (SearchSynonym.objects.count(), AuditLog.objects.count(), SearchState.objects.get().synonyms_version)
    for data in ({"colloquial": "！！", "formal": "许可"}, {"colloquial": "许可", "formal": "许可"},
                 {"colloquial": "健康证", "formal": "预防性体检"}, {"colloquial": "", "formal": "x"}):
        response = client.post("/catalog/synonyms/", data)
        assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    assert (SearchSynonym.objects.count(), AuditLog.objects.count(),
            SearchState.objects.get().synonyms_version) == before


def test_only_admins_see_or_edit_the_table(make_user, client):
    pk = SearchSynonym.objects.first().pk
    assert client.get("/catalog/synonyms/").status_code == 302  # anonymous → login
    for role in ("bureau", "department", "clerk"):
        client.force_login(make_user(role))
        assert client.get("/catalog/synonyms/").status_code == 403
        assert client.post("/catalog/synonyms/", {"colloquial": "甲", "formal": "乙"}).status_code == 403
        assert client.post(f"/catalog/synonyms/{pk}/delete").status_code == 403
        assert client.post("/catalog/reindex").status_code == 403
    assert SearchSynonym.objects.filter(pk=pk).exists() and not SearchSynonym.objects.filter(colloquial="甲").exists()


def test_django_admin_saves_through_the_services(make_user, client):
    admin = make_user("admin")
    admin.is_staff = admin.is_superuser = True
    admin.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(admin)
    response = client.post("/admin/catalog/searchsynonym/add/", {"colloquial": "开黑车", "formal": "道路运输", "note": ""})
    assert response.status_code == 302
    assert SearchState.objects.get().stale and AuditLog.objects.filter(action="synonym.create").exists()


def test_a_process_can_switch_synonym_tables_and_back():
    from zhitongche.catalog import textproc

    textproc.set_synonyms([textproc.Synonym("鹦鹉螺", "个体工商户设立登记")])
    sources = [g.source for g in textproc.expand_query("鹦鹉螺").groups]
    assert "鹦鹉螺→个体工商户设立登记" in sources
    assert not any(s.startswith("健康证→") for s in (g.source for g in textproc.expand_query("办健康证").groups))
    textproc.set_synonyms(None)
    assert all(g.source.startswith("query") for g in textproc.expand_query("鹦鹉螺").groups)
    assert any(g.source.startswith("健康证→") for g in textproc.expand_query("办健康证").groups)
