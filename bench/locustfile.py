"""The benchmark's Locust peer (bench/locust.ts): one FastHttpUser per user, one GET / per task, no wait."""
from locust import task
from locust.contrib.fasthttp import FastHttpUser


class GetRoot(FastHttpUser):
    @task
    def get_root(self):
        self.client.get("/")
