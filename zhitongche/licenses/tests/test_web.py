"""The licence pages from the outside: issuance form, list and detail, actions, 我的证照, public verification."""

import json
import re

from django.test import Client

from zhitongche.core.models import AuditLog
from zhitongche.licenses.models import License, LicenseUse


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_issue_form_issues_and_shows_the_licence(issuer, food_type, make_enterprise):
    holder = make_enterprise()
    client = logged_in(issuer)
    page = client.get("/licenses/issue/")
    assert page.status_code == 200 and "食品经营许可证" in page.content.decode() and "法定代表人" in page.content.decode()
    response = client.post("/licenses/issue/", {"type": "SPJY", "holder": holder.uscc, "f_legalRepresentative": "李四",
                                                "f_address": "铁东区 3 号", "valid_until": ""}, follow=True)
    lic = License.objects.get()
    text = response.content.decode()
    assert response.status_code == 200 and lic.identifier in text and "李四" in text
    assert f"/verify/{lic.identifier}/qr.svg" in text and "扫码核验" in text
    assert 'style="' not in text and "<script>" not in text


def test_issue_form_errors_write_nothing(issuer, food_type, make_enterprise):
    client = logged_in(issuer)
    before = (License.objects.count(), AuditLog.objects.count())
    response = client.post("/licenses/issue/", {"type": "SPJY", "holder": "911111111111111111", "f_legalRepresentative": "李四",
                                                "f_address": "x"})
    assert response.status_code == 200 and "无效" in response.content.decode()
    assert (License.objects.count(), AuditLog.objects.count()) == before


def test_issue_form_is_refused_to_other_departments(make_user, food_type):
    assert logged_in(make_user("department", department="RSJ")).get("/licenses/issue/").status_code == 403
    assert logged_in(make_user("bureau")).get("/licenses/issue/").status_code == 403


def test_list_filters_and_detail_actions(issue, issuer):
    first, second = issue(), issue()
    client = logged_in(issuer)
    text = client.get("/licenses/", {"q": first.identifier}).content.decode()
    assert first.identifier in text and second.identifier not in text
    page = client.get(f"/licenses/{first.identifier}/").content.decode()
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert "id_change-valid_until" in ids and "id_renew-valid_until" in ids and len(ids) == len(set(ids))
    refused = client.post(f"/licenses/{first.identifier}/change", {
        "change-f_legalRepresentative": "王五", "change-f_address": "新址", "change-valid_until": "明年"})
    text = refused.content.decode()
    assert refused.status_code == 400 and "新的有效期至（留空不变）：" in text
    assert 'value="王五"' in text and 'value="新址"' in text  # what was typed is still there
    assert not License.objects.filter(previous=first).exists()
    response = client.post(f"/licenses/{first.identifier}/change",
                           {"change-f_legalRepresentative": "王五", "change-f_address": "新址"}, follow=True)
    new = License.objects.get(previous=first)
    assert new.fields["legalRepresentative"] == "王五" and "已变更" in response.content.decode()
    refused = client.post(f"/licenses/{second.identifier}/revoke", {"revoke-reason": ""})
    assert refused.status_code == 400 and "吊销原因（必填）：这个字段是必填项" in refused.content.decode()
    assert License.objects.get(pk=second.pk).status == "active"
    client.post(f"/licenses/{second.identifier}/revoke", {"revoke-reason": "违法经营"})
    again = client.post(f"/licenses/{second.identifier}/revoke", {"revoke-reason": "重复吊销"}, follow=True)
    assert again.redirect_chain and "不能吊销" in again.content.decode()  # the refusal is said, not swallowed
    # Invalid input for a licence revoked since its page was shown: the state is said (there is no form left to
    # show the input's errors in), and nothing changes.
    stale = client.post(f"/licenses/{second.identifier}/change", {"change-valid_until": "明年"}, follow=True)
    assert stale.redirect_chain and "不能变更" in stale.content.decode()
    assert not License.objects.filter(previous=second).exists()
    assert License.objects.get(pk=second.pk).status == "revoked"
    revoked_list = client.get("/licenses/", {"status": "revoked"}).content.decode()
    assert second.identifier in revoked_list and new.identifier not in revoked_list


def test_my_licences_and_download(issue, make_user):
    mine, theirs = issue(), issue()
    owner = logged_in(make_user("enterprise", enterprise=mine.holder.uscc))
    text = owner.get("/licenses/mine/").content.decode()
    assert "我的证照" in text and mine.identifier in text and theirs.identifier not in text
    assert owner.get(f"/licenses/{theirs.identifier}/").status_code == 404
    download = owner.get(f"/licenses/{mine.identifier}/credential.json")
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    assert json.loads(download.content)["credentialSubject"]["licenseNumber"] == mine.identifier
    assert LicenseUse.objects.filter(license=mine, action="credential", channel="web").count() == 1
    # No action forms for the holder.
    assert "吊销原因" not in owner.get(f"/licenses/{mine.identifier}/").content.decode()
    assert owner.post(f"/licenses/{mine.identifier}/revoke", {"revoke-reason": "x"}).status_code == 403
    assert owner.post(f"/licenses/{mine.identifier}/revoke", {"revoke-reason": ""}).status_code == 403  # role first


def test_public_verify_page(client, issue, issuer):
    lic = issue()
    response = client.get(f"/verify/{lic.identifier}")
    text = response.content.decode()
    assert response.status_code == 200 and "该证照真实有效" in text and lic.holder_name in text
    assert 'lang="zh-Hans"' in text
    # Typed forms fold to the canonical number.
    assert client.get(f"/verify/{lic.identifier.lower()}").status_code == 302
    missing = client.get("/verify/210300-SPJY-2025-00000000-0")
    assert missing.status_code == 404 and "未找到" in missing.content.decode()
    qr = client.get(f"/verify/{lic.identifier}/qr.svg")
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content
    assert client.get("/verify/not-a-number/qr.svg").status_code == 404
    logged_in(issuer).post(f"/licenses/{lic.identifier}/revoke", {"revoke-reason": "违法"})
    assert "已吊销" in client.get(f"/verify/{lic.identifier}").content.decode()
    assert LicenseUse.objects.filter(action="verify").count() == 0


def test_verify_by_platform_user_on_the_web_is_logged(issue, issuer, make_user):
    lic = issue()
    bank = logged_in(make_user("bureau"))
    bank.get(f"/verify/{lic.identifier}", {"purpose": "招标资格审查"})
    use = LicenseUse.objects.get(action="verify")
    assert use.purpose == "招标资格审查" and use.channel == "web"
    page = logged_in(issuer).get(f"/licenses/{lic.identifier}/").content.decode()
    assert "<td>招标资格审查</td><td>网页</td><td>有效</td>" in page  # 调用记录 in Chinese, not web / active
    assert LicenseUse(result="bad_signature").result_label.startswith("签名不符")  # a failure by its reason


def test_lookup_and_paste_forms(client, api, issue, issuer):
    lic = issue()
    assert client.get("/verify/", {"identifier": lic.identifier.lower().replace("-", "")})["Location"].endswith(
        f"/verify/{lic.identifier}")
    assert "校验位" in client.get("/verify/", {"identifier": "210300-SPJY-2025-00000000-0"}).content.decode()
    credential = api(issuer).get(f"/api/v1/licenses/{lic.identifier}/credential").content.decode()
    assert "凭证签名有效" in client.post("/verify/", {"credential": credential}).content.decode()
    tampered = client.post("/verify/", {"credential": credential.replace("张三", "张四")}).content.decode()
    assert "✘ 凭证无效（本平台记录中该证照有效" in tampered and "签名不符" in tampered and "：有效" not in tampered
    broken = client.post("/verify/", {"credential": "{oops"}).content.decode()
    assert "凭证无效" in broken and "不是有效的 JSON（<code>malformed_json</code>）" in broken


def test_every_verification_code_has_a_chinese_reason():
    import re
    from pathlib import Path

    from zhitongche.licenses import verification

    sources = "".join(Path(m.__file__).read_text() for m in (verification, verification.vc))
    codes = set(re.findall(r'(?:_fail|errors\.append|VerifyResult\(False, \[)\(?"([a-z_]+)"', sources))
    codes |= set(re.findall(r'return "([a-z_]+)"', sources)) - {"ascii", "u", "z"}
    assert len(codes) > 15 and codes - set(verification.REASONS) == set()


def test_types_page_and_navigation(make_user, food_type):
    text = logged_in(make_user("admin")).get("/licenses/types/").content.decode()
    assert "食品经营许可证" in text and "鞍山市市场监督管理局" in text
    assert logged_in(make_user("overseer")).get("/licenses/types/").status_code == 404
    home = logged_in(make_user("department")).get("/")
    assert "电子证照" in home.content.decode() and "证照核验" in home.content.decode()


def test_export_follows_the_filters(issue, issuer):
    from io import BytesIO

    from openpyxl import load_workbook

    first, _other = issue(), issue()
    response = logged_in(issuer).get("/licenses/", {"q": first.identifier, "format": "xlsx"})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    rows = list(load_workbook(BytesIO(response.content)).active.values)
    assert rows[0][0] == "证照编号" and [r[0] for r in rows[1:]] == [first.identifier]


def test_pasted_credential_verified_on_the_web_is_logged_against_the_licence(api, issue, issuer, make_user):
    lic = issue()
    credential = api(issuer).get(f"/api/v1/licenses/{lic.identifier}/credential").content.decode()
    logged_in(make_user("bureau")).post("/verify/", {"credential": credential})
    use = LicenseUse.objects.get(action="verify")
    assert (use.license, use.identifier, use.channel, use.result) == (lic, lic.identifier, "web", "valid")
    # The issuing department sees it among the licence's 调用记录 (its scope follows the licence).
    assert "网页核验" in logged_in(issuer).get(f"/licenses/{lic.identifier}/").content.decode()


def test_only_the_issuing_department_gets_the_action_forms(issue, issuer, make_user):
    lic = issue()
    assert "吊销原因" in logged_in(issuer).get(f"/licenses/{lic.identifier}/").content.decode()
    admin_page = logged_in(make_user("admin")).get(f"/licenses/{lic.identifier}/")
    assert admin_page.status_code == 200 and "吊销原因" not in admin_page.content.decode()
