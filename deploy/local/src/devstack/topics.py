"""Topic creation for the embedded broker: the chassis's own, so tests create topics as services do."""

from chassis.topics import EnsureTopicsResult, TopicSpec, ensure_topics, load_topic_specs

__all__ = ["EnsureTopicsResult", "TopicSpec", "ensure_topics", "load_topic_specs"]
