"""The editorial groups and what each may do in the admin.

- Editors: all content (every page action on the whole tree, snippets, images, documents, videos);
  they approve what mentors submit ("Проверка редактором" workflow on the whole tree).
- Moderators: admin access only here; they moderate students' works (the learning app adds those
  permissions). Wagtail's default content permissions for this group are removed: content is the
  editors' job.
- Mentors: "add" on the tree and nothing more, so by Wagtail's rules they edit only what is theirs
  (cms.permissions narrows this to their own mentor page, masterclasses and lessons) and cannot
  publish: every change goes to the editors' workflow. They upload images, documents and videos.
- Foundation coordinators: admin access (the engagement app adds beneficiaries and transfers).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PAGE_ACTIONS_EDITORS = ["add", "change", "publish", "lock", "unlock", "bulk_delete"]
COLLECTION_ACTIONS = {
    "Editors": ["add", "change", "delete", "choose"],
    "Mentors": ["add", "choose"],
}
CMS_MODELS = [
    "season", "region", "homepage", "directionindexpage", "directionpage", "masterclasspage", "lessonpage",
    "mentorindexpage", "mentorpage", "winnerstoryindexpage", "winnerstorypage", "partnerindexpage",
    "partnerpage", "eventindexpage", "eventpage",
]
WORKFLOW_NAME = "Проверка редактором"


def ensure_permissions(apps):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def create_groups(apps, schema_editor):
    ensure_permissions(apps)
    Group = apps.get_model("auth.Group")
    Permission = apps.get_model("auth.Permission")
    GroupPagePermission = apps.get_model("wagtailcore.GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore.GroupCollectionPermission")
    Collection = apps.get_model("wagtailcore.Collection")
    Page = apps.get_model("wagtailcore.Page")
    ContentType = apps.get_model("contenttypes.ContentType")
    Workflow = apps.get_model("wagtailcore.Workflow")
    WorkflowTask = apps.get_model("wagtailcore.WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore.WorkflowPage")
    GroupApprovalTask = apps.get_model("wagtailcore.GroupApprovalTask")

    def perm(app_label, codename):
        return Permission.objects.get(content_type__app_label=app_label, codename=codename)

    groups = {
        name: Group.objects.get_or_create(name=name)[0]
        for name in ["Editors", "Moderators", "Mentors", "Foundation coordinators"]
    }
    access_admin = perm("wagtailadmin", "access_admin")
    for group in groups.values():
        group.permissions.add(access_admin)

    root = Page.objects.get(depth=1)
    GroupPagePermission.objects.filter(group__in=groups.values()).delete()
    for action in PAGE_ACTIONS_EDITORS:
        GroupPagePermission.objects.create(group=groups["Editors"], page=root, permission=perm("wagtailcore", f"{action}_page"))
    GroupPagePermission.objects.create(group=groups["Mentors"], page=root, permission=perm("wagtailcore", "add_page"))

    root_collection = Collection.objects.get(depth=1)
    for group_name, actions in COLLECTION_ACTIONS.items():
        for app_label, model in [("wagtailimages", "image"), ("wagtaildocs", "document")]:
            for action in actions:
                GroupCollectionPermission.objects.get_or_create(
                    group=groups[group_name], collection=root_collection, permission=perm(app_label, f"{action}_{model}")
                )

    editors = groups["Editors"]
    for model in CMS_MODELS:
        for action in ["add", "change", "delete", "view"]:
            editors.permissions.add(perm("cms", f"{action}_{model}"))
    editors.permissions.add(perm("cms", "change_mentorpage_user"))
    for action in ["add", "change", "delete", "view"]:
        editors.permissions.add(perm("media_pipeline", f"{action}_videoasset"))
    for action in ["add", "change", "view"]:
        groups["Mentors"].permissions.add(perm("media_pipeline", f"{action}_videoasset"))
    groups["Mentors"].permissions.add(perm("cms", "view_season"), perm("cms", "view_region"))

    # Mentors' changes (and anything submitted for moderation) wait for an editor's approval.
    task_type, _ = ContentType.objects.get_or_create(app_label="wagtailcore", model="groupapprovaltask")
    task = GroupApprovalTask.objects.filter(name="Одобрение редактором").first()
    if task is None:
        task = GroupApprovalTask.objects.create(name="Одобрение редактором", content_type=task_type, active=True)
    task.groups.set([editors])
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    WorkflowPage.objects.update_or_create(page=root, defaults={"workflow": workflow})


def remove_groups(apps, schema_editor):
    apps.get_model("wagtailcore.Workflow").objects.filter(name=WORKFLOW_NAME).delete()
    apps.get_model("auth.Group").objects.filter(name__in=["Mentors", "Foundation coordinators"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0004_regions"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("media_pipeline", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
