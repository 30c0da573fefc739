from rest_framework import serializers

from webapp.accounts.fields import StrictBooleanField, StrictCharField, StrictFloatField
from webapp.review.models import Comment
from webapp.review.quality import REASONS


class CommentSerializer(serializers.ModelSerializer):
    object_id = serializers.IntegerField(read_only=True, allow_null=True)
    parent = serializers.IntegerField(source="parent_id", read_only=True, allow_null=True)
    author = serializers.CharField(source="author.username", default=None, read_only=True,
                                   allow_null=True)

    class Meta:
        model = Comment
        fields = ["id", "frame", "object_id", "parent", "text", "x", "y", "resolved",
                  "decision", "author", "created_at", "updated_at"]
        read_only_fields = fields


class CommentCreateSerializer(serializers.Serializer):
    frame = serializers.IntegerField(min_value=0, required=False,
                                     help_text="required unless `parent` is given (a reply "
                                               "takes its parent's frame)")
    object_id = serializers.IntegerField(required=False, allow_null=True)
    text = StrictCharField(max_length=5000, allow_blank=True)
    x = StrictFloatField(required=False, allow_null=True)
    y = StrictFloatField(required=False, allow_null=True)
    parent = serializers.IntegerField(required=False, allow_null=True)

    def validate_text(self, value):
        if not value.strip():
            raise serializers.ValidationError("comment text must not be empty")
        return value.strip()


class CommentPatchSerializer(serializers.Serializer):
    resolved = StrictBooleanField(required=False)
    text = StrictCharField(max_length=5000, required=False, allow_blank=True,
                           help_text="the author only")

    def validate_text(self, value):
        if not value.strip():
            raise serializers.ValidationError("comment text must not be empty")
        return value.strip()


class ReviewDecisionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["draft", "submitted", "accepted", "rejected"])
    comment = StrictCharField(max_length=5000, required=False, allow_blank=True,
                              help_text="pinned to `frame` and the masklet; shown to its "
                                        "annotator")
    frame = serializers.IntegerField(min_value=0, required=False,
                                     help_text="the comment's frame (default: the masklet's "
                                               "first frame with a mask, else 0)")


class FlagSerializer(serializers.Serializer):
    object_id = serializers.IntegerField()
    frame = serializers.IntegerField()
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.ChoiceField(choices=REASONS))


class WorkVideoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.CharField()
    stage = serializers.CharField()
    assignee = serializers.CharField(allow_null=True)
    reviewer = serializers.CharField(allow_null=True)
    second_assignee = serializers.CharField(allow_null=True)
    my_part = serializers.ListField(child=serializers.ChoiceField(choices=["annotate", "review"]))
    num_frames = serializers.IntegerField()
    frames_with_masks = serializers.IntegerField()
    masklets = serializers.IntegerField()
    masklets_accepted = serializers.IntegerField()
    masklets_rejected = serializers.IntegerField()
    open_comments = serializers.IntegerField()


class WorkProjectSerializer(serializers.Serializer):
    project = serializers.DictField()
    role = serializers.CharField()
    videos = WorkVideoSerializer(many=True)


class PasswordChangeSerializer(serializers.Serializer):
    old_password = StrictCharField(max_length=4096, trim_whitespace=False)
    new_password = StrictCharField(max_length=4096, trim_whitespace=False)


class UserHitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class ConsensusQuerySerializer(serializers.Serializer):
    a = StrictCharField(max_length=150, required=False,
                        help_text="one annotator's username (default: the video's assignee)")
    b = StrictCharField(max_length=150, required=False,
                        help_text="the other's (default: the video's second assignee)")
    protocol = serializers.ChoiceField(choices=["all-frames", "semi-supervised"],
                                       default="all-frames")
    stride = serializers.IntegerField(min_value=1, max_value=10_000, default=1,
                                      help_text="evaluate every stride-th frame")


class ConsensusFrameSerializer(serializers.Serializer):
    frame = serializers.IntegerField()
    J = serializers.FloatField()
    F = serializers.FloatField()
    JF = serializers.FloatField()


class ConsensusPairSerializer(serializers.Serializer):
    a_id = serializers.IntegerField(help_text="a's masklet")
    b_id = serializers.IntegerField(help_text="b's masklet")
    J = serializers.FloatField(help_text="mean over the evaluated frames")
    F = serializers.FloatField()
    JF = serializers.FloatField()
    frames = ConsensusFrameSerializer(many=True)


class ConsensusSerializer(serializers.Serializer):
    a = serializers.CharField()
    b = serializers.CharField()
    protocol = serializers.CharField()
    frames = serializers.IntegerField(help_text="how many frames were evaluated")
    bound_pixels = serializers.IntegerField()
    pairs = ConsensusPairSerializer(many=True, help_text="worst J&F first")
    unmatched_a = serializers.ListField(child=serializers.IntegerField())
    unmatched_b = serializers.ListField(child=serializers.IntegerField())


class ConsensusPickSerializer(serializers.Serializer):
    keep = serializers.IntegerField(min_value=1, help_text="the masklet to accept")
    drop = serializers.IntegerField(min_value=1, help_text="the masklet to soft-delete")
    comment = StrictCharField(max_length=5000, required=False, allow_blank=True,
                              help_text="added to the comment that records the pick")
