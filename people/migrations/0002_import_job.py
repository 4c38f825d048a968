import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('org', '0001_initial'),
        ('people', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ImportJob',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=40, verbose_name='类型')),
                ('file', models.FileField(upload_to='imports/%Y/%m/', verbose_name='文件')),
                ('filename', models.CharField(blank=True, max_length=200, verbose_name='文件名')),
                ('status', models.CharField(choices=[('pending', '排队中'), ('validating', '正在检查'), ('writing', '正在写入'), ('done', '导入成功'), ('failed', '未导入')], default='pending', max_length=20, verbose_name='状态')),
                ('total', models.PositiveIntegerField(default=0, verbose_name='总行数')),
                ('done', models.PositiveIntegerField(default=0, verbose_name='已处理')),
                ('errors', models.JSONField(blank=True, default=list, verbose_name='错误')),
                ('result', models.JSONField(blank=True, default=dict, verbose_name='结果')),
                ('target_id', models.PositiveIntegerField(blank=True, null=True, verbose_name='目标对象')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='上传时间')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='完成时间')),
                ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='上传人')),
                ('region', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.region', verbose_name='辖区')),
            ],
            options={
                'verbose_name': '导入任务',
                'verbose_name_plural': '导入任务',
                'ordering': ['-created_at', '-id'],
                'constraints': [models.CheckConstraint(condition=models.Q(('done__lte', models.F('total'))), name='importjob_done_not_above_total', violation_error_message='已处理行数不能超过总行数。')],
            },
        ),
    ]
