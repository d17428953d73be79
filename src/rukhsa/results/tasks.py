from django_tasks import task

from rukhsa.results import services


@task()
def results_publish_due() -> int:
    """Periodic: publish the periods whose publication time has come (safe to run twice)."""
    return services.results_publish_due_run()


@task()
def results_notify(result_ids: list[int]) -> int:
    """Tell up to 500 candidates that their result is published (each once)."""
    return services.results_notify_send(result_ids=result_ids)
