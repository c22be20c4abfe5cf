"""Drives Accord's TAXII 2.1 server with the OASIS reference client (taxii2-client) and STIX
library (stix2): discover, read, page, filter, post, delete, and check that what stix2 made
comes back unchanged. Prints one JSON report on stdout; any failed expectation raises.

Usage: taxii_client.py <base-url> <party> <token> <party's STIX identity id> <outsider> <outsider token>
"""
import json
import sys

import requests
import stix2
from taxii2client.exceptions import ValidationError
from taxii2client.v21 import Collection, Server, as_pages

base, party, token, identity, outsider, outsider_token = sys.argv[1:7]
report = {}


class Bearer(requests.auth.AuthBase):
    def __init__(self, token):
        self.token = token

    def __call__(self, r):
        r.headers["Authorization"] = "Bearer " + self.token
        return r


# Discovery and the API root, with HTTP Basic (party id, token).
server = Server(base + "/taxii2/", user=party, password=token)
report["title"] = server.title
root = server.default
assert root is not None and root.url == server.api_roots[0].url, "default API root"
report["versions"] = root.versions
report["max_content_length"] = root.max_content_length
collections = {c.alias: c for c in root.collections}
report["collections"] = sorted(collections)
community = collections["community"]
assert community.can_read and community.can_write

# By its alias a collection answers with its canonical URL in Content-Location: the client
# refuses the alias URL itself (it requires the collection's id in the URL it queries) and
# works from the canonical one.
alias_url = root.url + "collections/community/"
try:
    Collection(alias_url, user=party, password=token).title
    raise AssertionError("taxii2-client took the alias URL")
except ValidationError:
    pass
answer = requests.get(alias_url, auth=(party, token),
                      headers={"Accept": "application/taxii+json;version=2.1"})
canonical = answer.headers["Content-Location"]
assert canonical == community.url, (canonical, community.url)
assert Collection(canonical, user=party, password=token).id == community.id
report["alias_leads_to"] = canonical

# Objects made by stix2, shared by the party: its identity as creator, TLP 2.0 and 1.0 markings.
me = stix2.Identity(id=identity, name="CERT A", identity_class="organization",
                    object_marking_refs=[stix2.TLP_WHITE])
ind = stix2.Indicator(name="C2 beacon", pattern="[ipv4-addr:value = '203.0.113.7']",
                      pattern_type="stix", created_by_ref=me, confidence=70, labels=["c2"],
                      object_marking_refs=["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"])
mal = stix2.Malware(name="NorthLoader", is_family=True, created_by_ref=me,
                    object_marking_refs=[stix2.TLP_GREEN])
rel = stix2.Relationship(ind, "indicates", mal, created_by_ref=me,
                         object_marking_refs=[stix2.TLP_WHITE])
ip = stix2.IPv4Address(value="203.0.113.7")
sig = stix2.Sighting(sighting_of_ref=ind, count=3, where_sighted_refs=[me], created_by_ref=me,
                     object_marking_refs=[stix2.TLP_GREEN])
extra = [stix2.Indicator(name=f"scanner {i}", pattern=f"[ipv4-addr:value = '192.0.2.{i}']",
                         pattern_type="stix", object_marking_refs=[stix2.TLP_WHITE])
         for i in range(1, 8)]
made = [me, ind, mal, rel, ip, sig] + extra
# What the client posts passes the OASIS validator too (as the demo's objects do).
from stix2validator import ValidationOptions, validate_instance
for obj in made:
    verdict = validate_instance(json.loads(obj.serialize()), ValidationOptions(version="2.1"))
    assert verdict.is_valid, [str(e) for e in verdict.errors]
status = community.add_objects(stix2.Bundle(*made, allow_custom=False).serialize())
assert status.status == "complete", status.status
assert status.success_count == len(made), [f for f in status.failures]
report["posted"] = status.success_count
again = root.get_status(status.id)
assert again.success_count == len(made)

# Read back everything, three to a page, and compare with what stix2 made.
pages = list(as_pages(community.get_objects, per_request=3))
report["pages"] = len(pages)
got = {o["id"]: o for p in pages for o in p.get("objects", [])}
for o in made:
    sent = json.loads(o.serialize())
    back = got[o.id]
    assert back == sent, (o.id, back, sent)
    assert stix2.parse(back, allow_custom=False) == stix2.parse(sent, allow_custom=False)
report["round_trip_unchanged"] = len(made)

# Filters.
types = community.get_objects(type="malware")
assert [o["id"] for o in types["objects"]] == [mal.id]
by_id = community.get_objects(id=",".join([ind.id, rel.id]))
assert sorted(o["id"] for o in by_id["objects"]) == sorted([ind.id, rel.id])
assert community.get_objects(spec_version="2.0") in ({}, {"more": False})
one = community.get_object(ind.id)
assert one["objects"][0]["id"] == ind.id
manifest = community.get_manifest()
assert {m["id"] for m in manifest["objects"]} == {o.id for o in made}
assert all(m["media_type"] == "application/stix+json;version=2.1" for m in manifest["objects"])

# A new version, revoked; versions and match[version].
revoked = ind.new_version(revoked=True)
assert community.add_objects(stix2.Bundle(revoked).serialize()).success_count == 1
versions = community.object_versions(ind.id)["versions"]
assert len(versions) == 2, versions
assert community.get_object(ind.id)["objects"][0]["revoked"] is True
first = community.get_object(ind.id, version="first")["objects"][0]
assert "revoked" not in first
assert len(community.get_object(ind.id, version="all")["objects"]) == 2
report["versions"] = versions

# added_after: nothing after the newest date_added.
last = requests.get(community.url + "objects/", auth=(party, token),
                    headers={"Accept": "application/taxii+json;version=2.1"})
newest = last.headers["X-TAXII-Date-Added-Last"]
assert community.get_objects(added_after=newest) in ({}, {"more": False})

# Bearer authentication works too, for the outsider: it sees the community's objects.
other = Server(base + "/taxii2/", auth=Bearer(outsider_token)).default
seen = {o["id"] for p in as_pages(other.collections[0].get_objects, per_request=5)
        for o in p.get("objects", [])}
assert seen == {o.id for o in made}, seen

# Delete the malware object: gone for every reader.
community.delete_object(mal.id)
assert mal.id not in {o["id"] for o in community.get_objects().get("objects", [])}
assert mal.id not in {o["id"] for p in as_pages(other.collections[0].get_objects, per_request=5)
                      for o in p.get("objects", [])}
report["deleted"] = mal.id

# A bad password is refused.
try:
    Server(base + "/taxii2/", user=party, password="wrong").default.collections
    raise AssertionError("a wrong password was accepted")
except requests.exceptions.HTTPError as e:
    assert e.response.status_code == 401
    assert e.response.headers["Content-Type"].startswith("application/taxii+json")

print(json.dumps(report))
