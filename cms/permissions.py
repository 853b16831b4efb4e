"""Who may edit which page, beyond Wagtail's tree permissions.

The Mentors group holds Wagtail's "add" permission on the directions and mentors sections (no
"change", no "publish"), so by Wagtail's own rules a mentor edits only pages they own and every
change goes to moderation. On top of that a mentor may edit the pages that are theirs by meaning
(their own MentorPage, masterclasses they teach and those masterclasses' lessons, even if an
editor created them) and may add lessons only under their own masterclasses.
"""

from wagtail.models import PagePermissionTester

from cms.models import DirectionPage, LessonPage, MasterclassPage, MentorPage

MENTORS_GROUP = "Mentors"
EDITORS_GROUP = "Editors"


def is_mentor(user):
    """A mentor account: in the Mentors group and neither an editor nor a superuser."""
    if not user.is_authenticated or user.is_superuser:
        return False
    if not hasattr(user, "_cms_groups"):
        user._cms_groups = set(user.groups.values_list("name", flat=True))
    return MENTORS_GROUP in user._cms_groups and EDITORS_GROUP not in user._cms_groups


def mentor_owns(user, page):
    """Whether `page` is the mentor's by meaning: their MentorPage, a masterclass they teach, or
    a lesson of one."""
    page = page.specific_deferred if type(page).__name__ == "Page" else page
    if isinstance(page, MentorPage):
        return page.user_id == user.pk
    if isinstance(page, MasterclassPage):
        return page.mentor_id is not None and MentorPage.objects.filter(pk=page.mentor_id, user=user).exists()
    if isinstance(page, LessonPage):
        masterclass = page.get_parent()
        return masterclass is not None and mentor_owns(user, masterclass.specific)
    return False


class MentorAwarePagePermissionTester(PagePermissionTester):
    def can_edit(self):
        if not is_mentor(self.user):
            return super().can_edit()
        if self.page_is_root or not self.user.is_active:
            return False
        # Wagtail lets an "add" holder edit what they own; a mentor also needs the page to be theirs
        # by meaning, so a lesson a mentor created under a colleague's masterclass stays out of reach.
        if not mentor_owns(self.user, self.page):
            current_task = self.page.current_workflow_task
            return bool(current_task and current_task.user_can_access_editor(self.page, self.user))
        return "add" in self.permissions

    def can_add_subpage(self):
        if not super().can_add_subpage():
            return False
        if not is_mentor(self.user):
            return True
        specific = self.page.specific_deferred
        if isinstance(specific, MasterclassPage):
            return mentor_owns(self.user, specific)
        # A mentor starts a masterclass under a direction; mentor pages are created by editors.
        return isinstance(specific, DirectionPage)

    def can_delete(self, ignore_bulk=False):
        if is_mentor(self.user) and not mentor_owns(self.user, self.page):
            return False
        return super().can_delete(ignore_bulk=ignore_bulk)
