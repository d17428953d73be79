from django.http import HttpResponse


def login_locked_out(request, *args, **kwargs):
    return HttpResponse(status=429)


def signup(request, *args, **kwargs):
    return HttpResponse('todo')

def verify_mobile(request, *args, **kwargs):
    return HttpResponse('todo')

def verify_email(request, *args, **kwargs):
    return HttpResponse('todo')

def verify_email_link(request, *args, **kwargs):
    return HttpResponse('todo')

def login_view(request, *args, **kwargs):
    return HttpResponse('todo')

def logout_view(request, *args, **kwargs):
    return HttpResponse('todo')

def recover(request, *args, **kwargs):
    return HttpResponse('todo')

def recover_code(request, *args, **kwargs):
    return HttpResponse('todo')

def recover_link(request, *args, **kwargs):
    return HttpResponse('todo')

def recover_new_password(request, *args, **kwargs):
    return HttpResponse('todo')

def profile(request, *args, **kwargs):
    return HttpResponse('todo')

def profile_edit(request, *args, **kwargs):
    return HttpResponse('todo')

def change_mobile(request, *args, **kwargs):
    return HttpResponse('todo')

def change_email(request, *args, **kwargs):
    return HttpResponse('todo')

def change_email_link(request, *args, **kwargs):
    return HttpResponse('todo')

def confirm_contact(request, *args, **kwargs):
    return HttpResponse('todo')

def change_password(request, *args, **kwargs):
    return HttpResponse('todo')
