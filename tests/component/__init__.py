"""Tests for kube/component/."""
